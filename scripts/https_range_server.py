#!/usr/bin/env python3
"""A loopback HTTPS file server with Range support, for the object store's HTTPS tests.

Usage: https_range_server.py DIRECTORY CERT KEY PORT [ADDRESS]

Serves DIRECTORY on ADDRESS:PORT (127.0.0.1 by default; ::1 for IPv6's loopback; PORT 0 takes a
free one); answers Range: bytes=a-b with 206 and Content-Range, as CDNs do. Prints the port it
listens on as its first line.
"""
import http.server
import os
import socket
import ssl
import sys


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    def send_head(self):
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            self.send_error(404)
            return None
        size = os.path.getsize(path)
        header = self.headers.get("Range")
        start, end = 0, size - 1
        if header and header.startswith("bytes="):
            first, _, last = header[6:].partition("-")
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
            if start >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.end_headers()
                return None
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        f = open(path, "rb")
        f.seek(start)
        self.remaining = end - start + 1
        return f

    def copyfile(self, source, outputfile):
        outputfile.write(source.read(self.remaining))

    def log_message(self, *args):
        pass


def main():
    directory, cert, key, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    address = sys.argv[5] if len(sys.argv) > 5 else "127.0.0.1"
    os.chdir(directory)
    server_class = http.server.ThreadingHTTPServer
    if ":" in address:
        server_class = type("IPv6Server", (http.server.ThreadingHTTPServer,), {"address_family": socket.AF_INET6})
    server = server_class((address, port), RangeHandler)
    print(server.server_address[1], flush=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
