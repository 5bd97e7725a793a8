#!/usr/bin/env python3
"""A local SMTP sink for the tests (stdlib only): accepts every message on 127.0.0.1 and
writes it to DIR as NNNN.eml (as received) and NNNN.json (envelope, decoded subject and
text body), so a test can read what the product sent. It never relays anything.

Usage: smtp_sink.py DIR     (prints the port it listens on, then serves until killed)
"""

import asyncio
import email
import email.policy
import json
import os
import sys

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
count = 0


def save(mail_from, rcpt_to, data):
    global count
    count += 1
    base = os.path.join(out, f"{count:04d}")
    with open(base + ".eml", "wb") as f:
        f.write(data)
    msg = email.message_from_bytes(data, policy=email.policy.default)
    body = msg.get_body(preferencelist=("plain",))
    record = {
        "mail_from": mail_from,
        "rcpt_to": rcpt_to,
        "from": str(msg["From"]),
        "to": str(msg["To"]),
        "subject": str(msg["Subject"]),
        "body": body.get_content() if body is not None else "",
    }
    # Written whole, then renamed: a reader never sees half a file.
    with open(base + ".json.tmp", "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False)
    os.replace(base + ".json.tmp", base + ".json")


async def session(reader, writer):
    def reply(line):
        writer.write((line + "\r\n").encode())

    reply("220 oncometrics-test-sink ESMTP")
    mail_from, rcpt_to = None, []
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            cmd = line.decode("utf-8", "replace").strip()
            verb = cmd.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                reply("250-oncometrics-test-sink")
                reply("250-8BITMIME")
                reply("250 SMTPUTF8")
            elif verb == "MAIL":
                mail_from, rcpt_to = cmd.split(":", 1)[1].strip().split(" ")[0].strip("<>"), []
                reply("250 OK")
            elif verb == "RCPT":
                rcpt_to.append(cmd.split(":", 1)[1].strip().split(" ")[0].strip("<>"))
                reply("250 OK")
            elif verb == "DATA":
                reply("354 end with <CRLF>.<CRLF>")
                await writer.drain()
                lines = []
                while True:
                    l = await reader.readline()
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    lines.append(l[1:] if l.startswith(b"..") else l)
                save(mail_from, rcpt_to, b"".join(lines))
                reply("250 OK queued")
            elif verb == "RSET":
                mail_from, rcpt_to = None, []
                reply("250 OK")
            elif verb == "NOOP":
                reply("250 OK")
            elif verb == "QUIT":
                reply("221 bye")
                await writer.drain()
                break
            else:
                reply("502 not implemented")
            await writer.drain()
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(session, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
