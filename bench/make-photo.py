#!/usr/bin/env python3
"""Writes a phone-like test photo for bench/reports.sh: WIDTHxHEIGHT pixels of textured content (smoothed
noise, so the JPEG is about the size of a camera's at quality 90), encoded by cjpeg (Debian package
libjpeg-turbo-progs), with an EXIF block like a phone's (make, model, time, GPS) that the server's
cleaning must strip.

    make-photo.py WIDTH HEIGHT OUT.jpg
"""
import os
import random
import struct
import subprocess
import sys


def pixels(width, height):
    """PPM bytes: rows cut from one long strip of smoothed noise, each a little further along, so
    neighbouring rows look alike (texture, edges) without a pixel loop over the whole image."""
    rnd = random.Random(20260616)
    row_bytes = width * 3
    shift = 3 * 7
    strip_len = row_bytes + shift * height + 1
    walk, v, out = 0.0, 128.0, bytearray(strip_len)
    for i in range(strip_len):
        walk = walk * 0.9 + rnd.uniform(-9, 9)
        v = min(235.0, max(20.0, v + walk * 0.25 + (128 - v) * 0.002))
        out[i] = int(v)
    strip = bytes(out)
    rows = [strip[y * shift:y * shift + row_bytes] for y in range(height)]
    return b"P6\n%d %d\n255\n" % (width, height) + b"".join(rows)


def exif():
    """An APP1 Exif segment (big-endian TIFF): Make, Model, Orientation 1, DateTime, and a GPS IFD."""
    entries0 = []  # (tag, type, count, value bytes)
    entries0.append((0x010F, 2, b"Anjian\x00"))
    entries0.append((0x0110, 2, b"BenchPhone 12\x00"))
    entries0.append((0x0112, 3, struct.pack(">H", 1) + b"\x00\x00"))
    entries0.append((0x0132, 2, b"2026:06:16 09:30:12\x00"))
    gps = [
        (0x0001, 2, b"N\x00\x00\x00"),
        (0x0002, 5, struct.pack(">IIIIII", 29, 1, 21, 1, 3456, 100)),
        (0x0003, 2, b"E\x00\x00\x00"),
        (0x0004, 5, struct.pack(">IIIIII", 105, 1, 55, 1, 1234, 100)),
    ]

    def ifd(entries, start, extra_entry=None):
        all_entries = list(entries) + ([extra_entry] if extra_entry else [])
        all_entries.sort(key=lambda e: e[0])
        n = len(all_entries)
        data_at = start + 2 + 12 * n + 4
        head, data = struct.pack(">H", n), b""
        for tag, typ, value in all_entries:
            count = len(value) if typ == 2 else (len(value) // 8 if typ == 5 else 1)
            if len(value) <= 4:
                head += struct.pack(">HHI", tag, typ, count) + value.ljust(4, b"\x00")
            else:
                head += struct.pack(">HHII", tag, typ, count, data_at + len(data))
                data += value
        return head + struct.pack(">I", 0) + data

    first = 8
    # IFD0 with a GPS pointer whose value is known once IFD0's length is.
    probe = ifd(entries0, first, (0x8825, 4, b"\x00\x00\x00\x00"))
    gps_at = first + len(probe)
    ifd0 = ifd(entries0, first, (0x8825, 4, struct.pack(">I", gps_at)))
    tiff = b"MM\x00\x2a" + struct.pack(">I", first) + ifd0 + ifd(gps, gps_at)
    body = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def main():
    width, height, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    jpeg = subprocess.run(["cjpeg", "-quality", "90", "-optimize"], input=pixels(width, height),
                          stdout=subprocess.PIPE, check=True).stdout
    assert jpeg[:2] == b"\xff\xd8"
    # After SOI and cjpeg's JFIF APP0, as a phone's camera would put it.
    at = 2
    if jpeg[2:4] == b"\xff\xe0":
        at = 4 + struct.unpack(">H", jpeg[4:6])[0]
    with open(out + ".tmp", "wb") as f:
        f.write(jpeg[:at] + exif() + jpeg[at:])
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
