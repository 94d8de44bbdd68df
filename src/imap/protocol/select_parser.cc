// SELECT/EXAMINE with CONDSTORE and QRESYNC parameters (RFC 7162 §3.1.8, §3.2.5, RFC 4466 §2.1
// select-params) and CREATE with CREATE-SPECIAL-USE (RFC 6154 §3).
#include "imap/protocol/parsers.h"

namespace sealmail::imap::detail {

namespace {

Qresync parse_qresync(Reader& r) {
  // "QRESYNC" SP "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")"
  Qresync q;
  r.sp();
  r.open_paren();
  q.uidvalidity = r.nz_number();
  r.sp();
  q.modseq = r.number64();
  if (r.try_sp()) {
    if (r.peek() != '(') {
      q.known_uids = r.sequence_set();
      if (q.known_uids->saved_result) fail("$ is not allowed in QRESYNC");
      r.try_sp();
    }
    if (r.peek() == '(') {
      // seq-match-data = "(" known-sequence-set SP known-uid-set ")"
      r.open_paren();
      SequenceSet seqs = r.sequence_set();
      r.sp();
      SequenceSet uids = r.sequence_set();
      if (seqs.saved_result || uids.saved_result) fail("$ is not allowed in QRESYNC");
      r.close_paren();
      q.seq_match.emplace(std::move(seqs), std::move(uids));
    }
  }
  r.close_paren();
  return q;
}

}  // namespace

SelectArgs parse_select(Reader& r) {
  SelectArgs a;
  r.sp();
  a.mailbox = mailbox(r);
  if (!r.try_sp()) return a;
  r.open_paren();
  if (r.peek() != ')') {
    do {
      if (r.try_keyword("CONDSTORE")) {
        a.condstore = true;
      } else if (r.try_keyword("QRESYNC")) {
        if (a.qresync) fail("QRESYNC given twice");
        a.qresync = parse_qresync(r);
      } else {
        fail("Unknown SELECT parameter");
      }
    } while (r.try_sp());
  }
  r.close_paren();
  return a;
}

CreateArgs parse_create(Reader& r) {
  CreateArgs a;
  r.sp();
  a.mailbox = mailbox(r);
  if (!r.try_sp()) return a;
  // create-params = "(" create-param *(SP create-param) ")" (RFC 4466 §2.2); we know USE only.
  r.open_paren();
  do {
    if (!r.try_keyword("USE")) fail("Unknown CREATE parameter");
    r.sp();
    r.open_paren();
    if (r.peek() != ')') {
      do {
        if (r.peek() != '\\') fail("Expected a special-use attribute");
        a.special_use.push_back(r.flag());
      } while (r.try_sp());
    }
    r.close_paren();
  } while (r.try_sp());
  r.close_paren();
  return a;
}

}  // namespace sealmail::imap::detail
