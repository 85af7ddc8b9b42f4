#!/usr/bin/env python3
"""EXAMPLE robot side of the sarlab wire protocol (docs/robot-protocol.md), version 1.

For a single-board computer with a camera looking at the road ahead: it computes the mean darkness
of a grid of image patches (the predictors), reads the two reflex light sensors from a
microcontroller over a serial line, and serves sarlab over TCP (sarlab run --robot tcp:HOST:9000
--inputs camera). The microcontroller link in this example is plain text: it prints
"G <left> <right>\\n" (grey values in [0, 1]) every period and accepts "M <left> <right>\\n" (cm/s)
and "S\\n" (stop). Adapt to your hardware. Not tested as part of sarlab.

Needs: python3, numpy, opencv-python (cv2), pyserial.
"""
import socket
import struct
import time

import cv2
import numpy as np
import serial

GRID_COLS, GRID_ROWS = 8, 4          # sarlab's default camera grid (world.camera.grid)
PERIOD_S = 0.05
HELLO, HELLO_ACK, SENSORS, MOTOR, STOP, RESET, HEARTBEAT = range(1, 8)
RECEIVES = {HELLO: 10, MOTOR: 8, STOP: 1, RESET: 0, HEARTBEAT: 4}


def crc16(data: bytes, crc: int = 0xFFFF) -> int:
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


class Link:
    def __init__(self, conn):
        self.conn, self.buf, self.seq = conn, b"", 0

    def send(self, type_, payload=b""):
        body = struct.pack("<BBHH", 1, type_, self.seq, len(payload)) + payload
        self.seq = (self.seq + 1) & 0xFFFF
        self.conn.sendall(b"\xa5\x5a" + body + struct.pack("<H", crc16(body)))

    def frames(self, data):
        """Yields (type, seq, payload) of valid frames; refuses and resyncs on anything else."""
        self.buf += data
        while len(self.buf) >= 2:
            if self.buf[:2] != b"\xa5\x5a":
                self.buf = self.buf[1:]
                continue
            if len(self.buf) < 8:
                return
            version, type_, seq, n = struct.unpack_from("<BBHH", self.buf, 2)
            if version != 1 or RECEIVES.get(type_) != n:
                self.buf = self.buf[1:]
                continue
            if len(self.buf) < 10 + n:
                return
            (crc,) = struct.unpack_from("<H", self.buf, 8 + n)
            if crc != crc16(self.buf[2:8 + n]):
                self.buf = self.buf[1:]
                continue
            yield type_, seq, self.buf[8:8 + n]
            self.buf = self.buf[10 + n:]


def patch_darkness(frame) -> list:
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).astype(np.float32) / 255.0
    h, w = grey.shape
    out = []
    for r in range(GRID_ROWS):          # nearest row (bottom of the image) first
        band = grey[h - (r + 1) * h // GRID_ROWS: h - r * h // GRID_ROWS]
        for c in range(GRID_COLS):      # left to right
            out.append(1.0 - float(band[:, c * w // GRID_COLS:(c + 1) * w // GRID_COLS].mean()))
    return out


def main():
    mcu = serial.Serial("/dev/ttyACM0", 115200, timeout=0)
    camera = cv2.VideoCapture(0)
    server = socket.create_server(("0.0.0.0", 9000))
    reflex = [1.0, 1.0]
    while True:
        conn, _ = server.accept()
        conn.settimeout(0.005)
        link, session, ack, ack_valid = Link(conn), False, 0, False
        timeout_s, last_rx, next_tick = 0.2, time.monotonic(), time.monotonic()
        try:
            while True:
                try:
                    data = conn.recv(4096)
                    if not data:
                        break
                except socket.timeout:
                    data = b""
                for type_, seq, p in link.frames(data):
                    last_rx = time.monotonic()
                    if type_ == HELLO:
                        r, rows, cols, t_ms, _ = struct.unpack("<5H", p)
                        ok = r in (0, 2) and rows in (0, GRID_ROWS) and cols in (0, GRID_COLS)
                        timeout_s, session, ack_valid = (t_ms or 200) / 1000, ok, False
                        link.send(HELLO_ACK, struct.pack("<HBBHHHI", seq, 0 if ok else 1, 0, 2,
                                                         GRID_ROWS, GRID_COLS, int(PERIOD_S * 1e6)))
                    elif session and type_ == MOTOR:
                        left, right = struct.unpack("<ff", p)
                        mcu.write(f"M {left:.2f} {right:.2f}\n".encode())
                        ack, ack_valid = seq, True
                    elif session and type_ in (STOP, RESET):
                        mcu.write(b"S\n")
                        if type_ == RESET:
                            ack, ack_valid, next_tick = seq, True, time.monotonic()
                for line in mcu.readlines():
                    parts = line.decode(errors="ignore").split()
                    if len(parts) == 3 and parts[0] == "G":
                        reflex = [float(parts[1]), float(parts[2])]
                now = time.monotonic()
                if session and now - last_rx > timeout_s:
                    mcu.write(b"S\n")       # the host went silent: stop
                    last_rx = now
                if session and now >= next_tick:
                    next_tick += PERIOD_S
                    ok, frame = camera.read()
                    if not ok:
                        continue
                    predictors = patch_darkness(frame)
                    payload = struct.pack("<IHBBfff", int(now * 1e6) & 0xFFFFFFFF, ack,
                                          1 if ack_valid else 0, 0, 0.0, 0.0, 0.0)
                    payload += struct.pack(f"<{2 + len(predictors)}f", *reflex, *predictors)
                    link.send(SENSORS, payload)
        finally:
            mcu.write(b"S\n")
            conn.close()


if __name__ == "__main__":
    main()
