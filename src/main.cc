// sealmail: one binary for the server and its administration.
#include "admin/cli.h"

int main(int argc, char** argv) { return sealmail::admin::run(argc, argv); }
