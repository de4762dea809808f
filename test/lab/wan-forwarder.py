"""The WAN lab's forwarder as a plain Python loop, kept only to measure against the C one.

Same arguments, behaviour and output as test/lab/wan-forwarder.c (read there why the path is
held in userland); selected with TTD_WAN_FORWARDER=python (test/lab/wan-net.ts). The design
notes measured such a loop at about 44 of 50 Mbit/s; test/lab/README.md has where each one
stops keeping up.
"""
import fcntl
import json
import os
import random
import select
import signal
import struct
import sys
import time
from collections import deque

TUNSETIFF = 0x400454CA  # _IOW('T', 202, int), linux/if_tun.h
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def open_tun(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def main():
    in_name, out_name, delay_us, loss_ppm, seed = sys.argv[1:6]
    cap = int(sys.argv[6]) if len(sys.argv) > 6 else 16384
    delay = int(delay_us) / 1e6
    loss = int(loss_ppm) / 1e6
    rng = random.Random(int(seed))
    fin, fout = open_tun(in_name), open_tun(out_name)
    queues = [deque(), deque()]
    last_due = [0.0, 0.0]
    n = {"packetsIn": 0, "packetsOut": 0, "lost": 0, "queueDrops": 0, "writeErrors": 0, "bytesOut": 0}
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(1))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(1))
    print(json.dumps({"ready": True}), flush=True)
    poller = select.poll()
    poller.register(fin, select.POLLIN)
    while not stopping:
        now = time.monotonic()
        next_due = None
        for q in queues:
            while q and q[0][0] <= now:
                _, pkt = q.popleft()
                try:
                    os.write(fout, pkt)
                    n["packetsOut"] += 1
                    n["bytesOut"] += len(pkt)
                except OSError:
                    n["writeErrors"] += 1
            if q and (next_due is None or q[0][0] < next_due):
                next_due = q[0][0]
        timeout_ms = None if next_due is None else max(0.0, (next_due - now) * 1000)
        try:
            ready = poller.poll(timeout_ms)
        except InterruptedError:
            continue
        if not ready:
            continue
        for _ in range(256):
            try:
                pkt = os.read(fin, 2048)
            except BlockingIOError:
                break
            n["packetsIn"] += 1
            if len(pkt) < 20:
                continue
            if loss > 0 and rng.random() < loss:
                n["lost"] += 1
                continue
            d = 0 if pkt[19] < 64 else 1
            if len(queues[d]) >= cap:
                n["queueDrops"] += 1
                continue
            due = max(time.monotonic() + delay, last_due[d])
            last_due[d] = due
            queues[d].append((due, pkt))
    print(json.dumps(n), flush=True)


main()
