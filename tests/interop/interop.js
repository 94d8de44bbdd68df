// Portability of a sealmail mailbox, checked with an independent reader: the npm package
// better-sqlite3-multiple-ciphers (its own build of SQLite3 Multiple Ciphers, not the one sealmail
// links). DESIGN.md point 1: "the owner can open a downloaded copy with any SQLite3 Multiple
// Ciphers tool" given only the password; point 9: export as SQLite and import must round-trip.
//
// usage: SEALMAIL_PASSWORD=... node interop.js MAILBOX ORIGINAL.eml NEW.eml
//
//   1. A wrong password must not open the file (it is really encrypted).
//   2. With the password alone (cipher chacha20 and PRAGMA key, as any sqlite3mc tool does, no raw
//      key), INBOX uid 1 -- stored by `sealmail mailbox import` -- must be byte-identical to
//      ORIGINAL.eml (a small, uncompressed, attachment-free message lives whole in
//      bodies.skeleton).
//   3. NEW.eml is written into INBOX through plain SQL, the way src/store/content.cc and
//      src/store/messages.cc write a message, so that sealmail can then show, search and check it.
//
// Prints "uid=<n>" (the UID it gave NEW.eml) as its last line. On failure prints one line starting
// with "interop.js: FAIL:" and exits 1. Never prints the password.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');

const PACKAGE = 'better-sqlite3-multiple-ciphers';
const PINNED_VERSION = '12.11.1';

class Failure extends Error {}

function check(condition, message) {
  if (!condition) throw new Failure(message);
}

function sqlString(s) {
  return "'" + s.replace(/'/g, "''") + "'";
}

// Opens the way an owner would in any SQLite3 Multiple Ciphers tool: the cipher's name and the
// password, nothing sealmail-specific.
function openWithPassword(Database, file, password, options) {
  const db = new Database(file, { fileMustExist: true, ...options });
  try {
    db.pragma("cipher='chacha20'");
    db.pragma('key=' + sqlString(password));
    // The first read of page 1: this is where a wrong key fails (SQLITE_NOTADB).
    db.prepare('SELECT count(*) FROM sqlite_schema').pluck().get();
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

// Headers of an RFC 5322 message: [{name, value}] unfolded, in order, and the body.
function parseMessage(raw) {
  const text = raw.toString('utf8');
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : '';
  const headers = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1].value += ' ' + line.trim();
    } else {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push({ name: line.slice(0, colon), value: line.slice(colon + 1).trim() });
    }
  }
  const get = (name) => {
    const h = headers.find((x) => x.name.toLowerCase() === name.toLowerCase());
    return h ? h.value : '';
  };
  return { headers, body, get };
}

// ISO 8601 UTC with seconds, as sealmail stores dates (core/time.cc iso8601_utc).
function iso8601(date) {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function sha256(buf) {
  return crypto.createHash('sha256').update(buf).digest();
}

// Direction 1: sealmail wrote it, we read it.
function readSealmailMessage(db, original) {
  const row = db
    .prepare(
      `SELECT m.uid, m.size AS msize, m.body_id, b.size AS bsize, b.sha256, b.compressed, b.skeleton, b.refcount,
              (SELECT count(*) FROM body_parts p WHERE p.body_id = b.id) AS parts
         FROM messages m
         JOIN folders f ON f.id = m.folder_id
         JOIN bodies b ON b.id = m.body_id
        WHERE f.name = 'INBOX' AND m.uid = 1`,
    )
    .get();
  check(row !== undefined, 'INBOX uid 1 (imported by sealmail) is not in the mailbox');
  check(row.compressed === 0, 'INBOX uid 1 is stored compressed; the test message must be small');
  check(row.parts === 0, 'INBOX uid 1 has attachment parts; the test message must have none');
  check(Buffer.isBuffer(row.skeleton), 'bodies.skeleton of uid 1 is not a BLOB');
  check(
    row.skeleton.equals(original),
    `INBOX uid 1 differs from the original message (${row.skeleton.length} bytes stored, ${original.length} expected)`,
  );
  check(row.bsize === original.length && row.msize === original.length, 'INBOX uid 1 has the wrong size recorded');
  check(Buffer.isBuffer(row.sha256) && row.sha256.equals(sha256(original)), 'bodies.sha256 of uid 1 is not the SHA-256 of the message');
  return row;
}

// Direction 2: we write it the way the store does, sealmail reads it.
function writeMessage(db, raw, internalDate) {
  const msg = parseMessage(raw);
  const date = msg.get('Date') ? new Date(msg.get('Date')) : null;
  const sentDate = date && !Number.isNaN(date.getTime()) ? iso8601(date) : null;
  const subject = msg.get('Subject');
  const from = msg.get('From');
  const to = msg.get('To');
  const cc = msg.get('Cc');
  const messageId = msg.get('Message-ID').replace(/^<|>$/g, '');

  const write = db.transaction(() => {
    const folder = db.prepare("SELECT id, uidnext, highest_modseq FROM folders WHERE name = 'INBOX'").get();
    check(folder !== undefined, 'the mailbox has no INBOX');

    // store/content.cc insert_body: one body row (whole message in the skeleton), queued for the
    // lazy full-text index (pending_text); sealmail indexes it at its next text search.
    const bodyId = db
      .prepare(
        `INSERT INTO bodies(refcount, size, sha256, compressed, skeleton, envelope, bodystructure)
         VALUES (1, ?, ?, 0, ?, '', '')`,
      )
      .run(raw.length, sha256(raw), raw).lastInsertRowid;
    db.prepare('INSERT INTO pending_text(body_id) VALUES (?)').run(bodyId);

    // store/messages.cc take_uid and store/folders.cc next_modseq.
    const uid = db
      .prepare('UPDATE folders SET uidnext = uidnext + 1 WHERE id = ? RETURNING uidnext - 1 AS uid')
      .get(folder.id).uid;
    const modseq = db
      .prepare('UPDATE folders SET highest_modseq = highest_modseq + 1 WHERE id = ? RETURNING highest_modseq AS m')
      .get(folder.id).m;
    check(uid === folder.uidnext && modseq === folder.highest_modseq + 1, 'uidnext/highest_modseq did not advance');

    const id = db
      .prepare(
        `INSERT INTO messages(folder_id, uid, modseq, body_id, internal_date, size, flags, thread_id, sent_date,
                              subject, from_addr, to_addr, cc_addr, bcc_addr, message_id, in_reply_to, refs,
                              has_attachment)
         VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, '', ?, '', '', 0)`,
      )
      .run(folder.id, uid, modseq, bodyId, internalDate, raw.length, sentDate, subject, from, to, cc, messageId)
      .lastInsertRowid;
    // A message without a parent starts its own thread, named by its row id.
    db.prepare('UPDATE messages SET thread_id = id WHERE id = ?').run(id);
    return { uid, modseq, bodyId };
  });
  const result = write.immediate();

  // Read it back through the same independent build before handing over to sealmail.
  const back = db
    .prepare(
      `SELECT b.skeleton FROM messages m JOIN folders f ON f.id = m.folder_id JOIN bodies b ON b.id = m.body_id
        WHERE f.name = 'INBOX' AND m.uid = ?`,
    )
    .pluck()
    .get(result.uid);
  check(Buffer.isBuffer(back) && back.equals(raw), 'the message just written does not read back byte-identical');
  return result;
}

function main() {
  const [file, originalPath, newPath] = process.argv.slice(2);
  check(file && originalPath && newPath, 'usage: node interop.js MAILBOX ORIGINAL.eml NEW.eml');
  const password = process.env.SEALMAIL_PASSWORD || '';
  check(password !== '', 'SEALMAIL_PASSWORD is not set');

  const pkg = require(`${PACKAGE}/package.json`);
  check(pkg.version === PINNED_VERSION, `${PACKAGE} is ${pkg.version}, expected ${PINNED_VERSION}`);
  const Database = require(PACKAGE);

  const original = fs.readFileSync(originalPath);
  const fresh = fs.readFileSync(newPath);
  const header = Buffer.alloc(16);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, header, 0, 16, 0);
  fs.closeSync(fd);
  check(!header.toString('latin1').startsWith('SQLite format 3'), 'the mailbox file is not encrypted (plain SQLite header)');

  // 1. A wrong password must be refused.
  let opened = null;
  try {
    opened = openWithPassword(Database, file, password + 'x', { readonly: true });
  } catch (e) {
    // expected
  }
  if (opened) {
    opened.close();
    throw new Failure('the mailbox opened with a wrong password');
  }

  // 2. The password alone opens it, and sealmail's message reads back byte-exact.
  let db;
  try {
    db = openWithPassword(Database, file, password);
  } catch (e) {
    throw new Failure(`cannot open the mailbox with the password alone (cipher chacha20): ${e.message}`);
  }
  try {
    const versions = db.prepare('SELECT sqlite_version() AS sqlite, sqlite3mc_version() AS mc').get();
    db.pragma('foreign_keys = ON');
    readSealmailMessage(db, original);
    console.log(`interop.js: ${versions.mc} (SQLite ${versions.sqlite}) read INBOX uid 1, ${original.length} bytes, byte-identical`);

    // 3. Write a message the way the store does.
    const internalDate = '2026-11-23T04:00:00Z';
    const w = writeMessage(db, fresh, internalDate);
    const fk = db.pragma('foreign_key_check');
    check(fk.length === 0, 'foreign_key_check reports violations after the write');
    const ic = db.pragma('integrity_check', { simple: true });
    check(ic === 'ok', `integrity_check after the write: ${ic}`);
    console.log(`interop.js: wrote INBOX uid ${w.uid} (modseq ${w.modseq}, ${fresh.length} bytes)`);
    console.log(`uid=${w.uid}`);
  } finally {
    db.close();
  }
}

try {
  main();
} catch (e) {
  const password = process.env.SEALMAIL_PASSWORD || '';
  let text = e instanceof Failure ? e.message : `unexpected error: ${e && e.message ? e.message : e}`;
  if (password) text = text.split(password).join('***');
  console.error(`interop.js: FAIL: ${text.replace(/\s+/g, ' ')}`);
  process.exit(1);
}
