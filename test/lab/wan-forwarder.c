/*
 * The wide-area path of the WAN lab: one-way delay and random loss in userland, because this
 * kernel has no netem (test/lab/README.md, "The WAN lab").
 *
 *   wan-forwarder <in-tun> <out-tun> <one-way-delay-us> <loss-ppm> <seed> [queue-packets]
 *                 [police=<source-port>:<kbit/s>:<burst-bytes>]
 *
 * Run inside the router namespace. Policy routing sends every packet that arrives from the
 * server or the client into <in-tun>; this program reads it, drops it with probability
 * loss-ppm / 1e6, holds it for the delay and writes it to <out-tun>, whence the router
 * forwards it by its main table. Both directions cross once, so the RTT is twice the delay.
 *
 * One FIFO per direction (by destination address): a packet leaves no earlier than the one
 * before it in its direction, so the path never reorders (netem's reordering with jitter is a
 * known trap, tc-netem(8), "jitter"). A full queue drops at its tail, as a router's would;
 * the count is reported, so a run can tell a queue drop from the configured loss.
 *
 * Why C and not Node: Node cannot attach to a TUN device at all (TUNSETIFF is an ioctl, and
 * Node has no ioctl), and a plain Python loop was first measured at about 44 of
 * 50 Mbit/s. Where this loop stops keeping up is measured in test/lab/README.md.
 *
 * With police=..., packets toward the client from that TCP source port pass a policer: a token
 * bucket of <burst-bytes> that fills at <kbit/s>; a packet larger than the tokens left is
 * dropped, not queued, as tc-police(8) and a router's "police" do. A policer is how many ISPs
 * throttle (T-Mobile's Binge On among them; Flach et al., "An Internet-Wide Analysis of Traffic
 * Policing", SIGCOMM 2016): TCP meets it as bursts of loss, not as a queue, and runs below the
 * policed rate. It acts where the packet enters the path, before the delay, so the drops fall
 * upstream of the client's line, as in an ISP's core.
 *
 * On SIGTERM/SIGINT it prints one JSON line of counters on stdout and exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define SLOT_BYTES 2048 /* the TUN's MTU is 1500; a packet never exceeds a slot */

struct slot {
  uint64_t due_ns;
  uint16_t len;
  unsigned char data[SLOT_BYTES];
};

struct fifo {
  struct slot *slots;
  uint32_t cap, head, count;
  uint64_t last_due_ns;
};

static volatile sig_atomic_t stopping = 0;
static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: a seeded generator, so a scenario's loss pattern can be repeated. */
static uint64_t rng_state;
static uint64_t rng(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ull;
}

/* A single-rate policer on one TCP source port, toward the client (RFC 2697 with no excess
 * burst: conform or drop). */
struct policer {
  int on;
  uint16_t sport;
  double bytes_per_ns, burst, tokens;
  uint64_t last_ns;
};

static int parse_policer(const char *arg, struct policer *p) {
  unsigned sport;
  double kbit, burst;
  if (sscanf(arg, "police=%u:%lf:%lf", &sport, &kbit, &burst) != 3 || sport == 0 || sport > 65535 || kbit <= 0 || burst < 1500)
    return -1;
  p->on = 1;
  p->sport = (uint16_t)sport;
  p->bytes_per_ns = kbit * 1000.0 / 8.0 / 1e9;
  p->burst = burst;
  p->tokens = burst; /* a policer starts full, as an idle one is */
  p->last_ns = 0;
  return 0;
}

/* Whether an IPv4 packet is TCP from the policed source port. */
static int policed_flow(const struct policer *p, const unsigned char *buf, ssize_t len) {
  if ((buf[0] >> 4) != 4 || buf[9] != 6) return 0;
  size_t ihl = (size_t)(buf[0] & 0x0f) * 4;
  if (ihl < 20 || (ssize_t)(ihl + 4) > len) return 0;
  return ((uint16_t)buf[ihl] << 8 | buf[ihl + 1]) == p->sport;
}

/* Conform (take the tokens) or exceed (drop). */
static int policer_passes(struct policer *p, uint64_t t, size_t len) {
  if (p->last_ns) {
    p->tokens += (double)(t - p->last_ns) * p->bytes_per_ns;
    if (p->tokens > p->burst) p->tokens = p->burst;
  }
  p->last_ns = t;
  if (p->tokens < (double)len) return 0;
  p->tokens -= (double)len;
  return 1;
}

static int open_tun(const char *name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
  if (fd < 0) {
    perror("open /dev/net/tun");
    exit(2);
  }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  /* IFF_NO_PI: bare IP packets. No IFF_VNET_HDR, so the kernel hands us wire-size packets
   * (it segments GSO packets before a TUN that did not offer offloads). */
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    fprintf(stderr, "TUNSETIFF %s: %s\n", name, strerror(errno));
    exit(2);
  }
  return fd;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s <in-tun> <out-tun> <one-way-delay-us> <loss-ppm> <seed> [queue-packets] [police=<port>:<kbit>:<burst-bytes>]\n", argv[0]);
    return 2;
  }
  struct policer police = {0};
  uint32_t cap = 16384; /* 1 Gbit/s for 100 ms one way is 8300 MTU packets; 16384 leaves room */
  for (int i = 6; i < argc; i++) {
    if (strncmp(argv[i], "police=", 7) == 0) {
      if (parse_policer(argv[i], &police) < 0) {
        fprintf(stderr, "bad %s (police=<source-port>:<kbit/s>:<burst-bytes>, burst at least one packet)\n", argv[i]);
        return 2;
      }
    } else {
      cap = (uint32_t)strtoul(argv[i], NULL, 10);
    }
  }
  const uint64_t delay_ns = strtoull(argv[3], NULL, 10) * 1000ull;
  const uint64_t loss_ppm = strtoull(argv[4], NULL, 10);
  rng_state = strtoull(argv[5], NULL, 10) * 0x9E3779B97F4A7C15ull + 1;
  int in_fd = open_tun(argv[1]);
  int out_fd = open_tun(argv[2]);

  /* Two directions: packets to addresses whose last octet is below 64 (the server's /26)
   * and the rest. The WAN lab's addressing (wan-net.ts) puts the server there. */
  struct fifo q[2];
  for (int i = 0; i < 2; i++) {
    q[i].slots = calloc(cap, sizeof(struct slot));
    if (!q[i].slots) {
      fprintf(stderr, "cannot allocate %u slots\n", cap);
      return 2;
    }
    q[i].cap = cap;
    q[i].head = q[i].count = 0;
    q[i].last_due_ns = 0;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  uint64_t n_in = 0, n_out = 0, n_lost = 0, n_overflow = 0, bytes_out = 0, n_write_err = 0, n_policed = 0;
  printf("{\"ready\":true}\n");
  fflush(stdout);

  while (!stopping) {
    uint64_t t = now_ns();
    /* Release every packet that is due, oldest first in each direction. */
    uint64_t next_due = UINT64_MAX;
    for (int d = 0; d < 2; d++) {
      struct fifo *f = &q[d];
      while (f->count > 0) {
        struct slot *s = &f->slots[f->head];
        if (s->due_ns > t) {
          if (s->due_ns < next_due) next_due = s->due_ns;
          break;
        }
        if (write(out_fd, s->data, s->len) < 0) n_write_err++;
        else {
          n_out++;
          bytes_out += s->len;
        }
        f->head = (f->head + 1) % f->cap;
        f->count--;
      }
    }
    /* Wait for a packet or the next due time, whichever comes first. */
    struct pollfd p = {.fd = in_fd, .events = POLLIN};
    struct timespec ts, *tsp = NULL;
    if (next_due != UINT64_MAX) {
      uint64_t wait = next_due > t ? next_due - t : 0;
      ts.tv_sec = (time_t)(wait / 1000000000ull);
      ts.tv_nsec = (long)(wait % 1000000000ull);
      tsp = &ts;
    }
    int r = ppoll(&p, 1, tsp, NULL);
    if (r < 0) {
      if (errno == EINTR) continue;
      perror("ppoll");
      break;
    }
    if (r == 0) continue;
    /* Drain what is readable (bounded, so due packets are not held back by a flood). */
    for (int k = 0; k < 256; k++) {
      unsigned char buf[SLOT_BYTES];
      ssize_t len = read(in_fd, buf, sizeof buf);
      if (len <= 0) break;
      n_in++;
      if (len < 20) continue;
      if (loss_ppm > 0 && rng() % 1000000ull < loss_ppm) {
        n_lost++;
        continue;
      }
      int d = buf[19] < 64 ? 0 : 1; /* IPv4 destination address, last octet */
      const uint64_t arrived = now_ns(); /* one clock read per packet: the policer and the delay */
      if (police.on && d == 1 && policed_flow(&police, buf, len) && !policer_passes(&police, arrived, (size_t)len)) {
        n_policed++;
        continue;
      }
      struct fifo *f = &q[d];
      if (f->count == f->cap) {
        n_overflow++;
        continue;
      }
      uint64_t due = arrived + delay_ns;
      if (due < f->last_due_ns) due = f->last_due_ns; /* FIFO: never before the previous one */
      f->last_due_ns = due;
      struct slot *s = &f->slots[(f->head + f->count) % f->cap];
      s->due_ns = due;
      s->len = (uint16_t)len;
      memcpy(s->data, buf, (size_t)len);
      f->count++;
    }
  }
  printf("{\"packetsIn\":%llu,\"packetsOut\":%llu,\"lost\":%llu,\"queueDrops\":%llu,\"writeErrors\":%llu,\"bytesOut\":%llu,\"policed\":%llu}\n",
         (unsigned long long)n_in, (unsigned long long)n_out, (unsigned long long)n_lost, (unsigned long long)n_overflow,
         (unsigned long long)n_write_err, (unsigned long long)bytes_out, (unsigned long long)n_policed);
  fflush(stdout);
  return 0;
}
