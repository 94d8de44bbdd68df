# SQLite3 Multiple Ciphers, from the amalgamation that scripts/fetch-sqlite3mc.sh puts in
# third_party/sqlite3mc (pinned and SHA-256 checked; never committed), with chacha20 (sqleet) as
# the default cipher. A database opened without a key is plain SQLite: the benchmark uses that to
# measure what encryption costs in the same build.
set(SQLITE3MC_DIR ${CMAKE_SOURCE_DIR}/third_party/sqlite3mc)
if(NOT EXISTS ${SQLITE3MC_DIR}/sqlite3.c)
  message(FATAL_ERROR "third_party/sqlite3mc/sqlite3.c is missing: run scripts/setup.sh first")
endif()

set(SQLITE_COMMON_DEFINES
  SQLITE_THREADSAFE=1 SQLITE_ENABLE_FTS5 SQLITE_ENABLE_MATH_FUNCTIONS SQLITE_DQS=0
  SQLITE_DEFAULT_FOREIGN_KEYS=1 SQLITE_USE_URI=1 SQLITE_DEFAULT_WAL_SYNCHRONOUS=1
  SQLITE_ENABLE_DBSTAT_VTAB SQLITE_OMIT_DEPRECATED SQLITE_SECURE_DELETE
  SQLITE_TEMP_STORE=2 SQLITE_MAX_MMAP_SIZE=0
  SQLITE_DEFAULT_FILE_PERMISSIONS=0600)

add_library(sqlite3mc STATIC ${SQLITE3MC_DIR}/sqlite3.c)
target_include_directories(sqlite3mc SYSTEM PUBLIC ${SQLITE3MC_DIR})
target_compile_definitions(sqlite3mc PRIVATE ${SQLITE_COMMON_DEFINES} CODEC_TYPE=CODEC_TYPE_CHACHA20)
target_compile_options(sqlite3mc PRIVATE -w -O2)
target_link_libraries(sqlite3mc PUBLIC Threads::Threads ${CMAKE_DL_LIBS} m)
set_target_properties(sqlite3mc PROPERTIES POSITION_INDEPENDENT_CODE ON)
