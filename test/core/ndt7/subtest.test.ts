import { describe, expect, it } from 'vitest';
import { MeasureError } from '../../../src/core/errors.js';
import { Ndt7Error, binArrivals, runSubtest, serverGoodput, type SubtestRequest } from '../../../src/core/ndt7/subtest.js';
import { FakeWebSocket, ManualClock, tick } from './fake-websocket.js';

function setup(req: Partial<SubtestRequest> = {}, withTerminate = false) {
  const clock = new ManualClock();
  let ws: FakeWebSocket | undefined;
  const done = runSubtest(
    {
      webSocket: (url, protocol) => (ws = new FakeWebSocket(url, protocol, withTerminate)),
      clock,
    },
    { url: 'wss://ndt.test/ndt/v7/download?access_token=t', direction: 'down', tls: true, durationMs: 2000, maxBytes: 1e9, ...req },
  );
  return { clock, ws: ws!, done };
}

describe('runSubtest, download', () => {
  it('asks for the ndt7 subprotocol and binary messages as ArrayBuffers', async () => {
    const { ws, done } = setup();
    expect(ws.requestedProtocol).toBe('net.measurementlab.ndt.v7');
    expect(ws.binaryType).toBe('arraybuffer');
    ws.serverClose(1006);
    await expect(done).rejects.toThrow(Ndt7Error);
  });

  it('times goodput from the first message to the last, leaving out the first message', async () => {
    const { clock, ws, done } = setup();
    ws.open();
    clock.t = 10;
    ws.binary(8192);
    for (let i = 1; i <= 10; i++) {
      clock.t = 10 + i * 100;
      ws.binary(125_000); // 10 Mbit/s: 125 kB every 100 ms
    }
    ws.serverClose(1000);
    const s = await done;
    expect(s.bytes).toBe(8192 + 1_250_000);
    expect(s.durationMs).toBe(1000);
    expect(s.mbps).toBeCloseTo(10, 6);
    expect(s.timedBy).toBe('client');
  });

  it('takes the test UUID from the server measurements and ignores their bytes for goodput', async () => {
    const { clock, ws, done } = setup();
    ws.open();
    ws.text({ AppInfo: { ElapsedTime: 0, NumBytes: 0 }, ConnectionInfo: { UUID: 'ndt-uuid-1' }, Origin: 'server', Test: 'download' });
    ws.binary(1000);
    clock.t = 100;
    ws.binary(1000);
    ws.serverClose(1000);
    const s = await done;
    expect(s.uuid).toBe('ndt-uuid-1');
    expect(s.bytes).toBe(2000);
    expect(s.serverMeasurements).toBe(1);
  });

  it('sends a Close (1000) once its time is spent, and still counts what was already on the way', async () => {
    const { clock, ws, done } = setup({ durationMs: 500 });
    ws.open();
    ws.binary(1000);
    clock.t = 600;
    await tick();
    expect(ws.closedWith?.code).toBe(1000);
    clock.t = 650;
    ws.binary(5000);
    ws.serverClose(1000);
    const s = await done;
    expect(s.bytes).toBe(6000);
    expect(s.afterCloseBytes).toBe(5000);
  });

  it("counts what a browser never shows after its Close, at the test's rate over the close's wait", async () => {
    // A browser fires no message once closing, while the server sends on until it reads the
    // Close: here it takes 8.5 s, as Firefox's did reading at about a gigabit a second.
    const { clock, ws, done } = setup({ maxBytes: 2_000_000 });
    ws.open();
    ws.binary(8192);
    for (let i = 1; i <= 10; i++) {
      clock.t = i * 10;
      ws.binary(200_000); // 20 kB a ms: 160 Mbit/s
    }
    expect(ws.closedWith?.code).toBe(1000);
    clock.t = 100 + 8_500;
    ws.serverClose(1000);
    const s = await done;
    expect(s.bytes).toBe(8192 + 2_000_000);
    expect(s.closeWaitMs).toBe(8_500);
    // The rate from the socket's opening (t = 0) to its last message (t = 100 ms).
    const unseen = Math.round(((8192 + 2_000_000) / 100) * 8_500);
    expect(s.unseenAfterCloseBytes).toBe(unseen);
    expect(s.afterCloseBytes).toBe(unseen);
    expect(s.wireBytes).toBe(8192 + 2_000_000 + unseen);
    // The goodput is the timed window's, not the estimate's.
    expect(s.mbps).toBeCloseTo(160, 6);
  });

  it('estimates nothing when the server ends the test itself', async () => {
    const { clock, ws, done } = setup();
    ws.open();
    ws.binary(1000);
    clock.t = 100;
    ws.binary(100_000);
    clock.t = 5_000;
    ws.serverClose(1000);
    const s = await done;
    expect(s.closeWaitMs).toBe(0);
    expect(s.unseenAfterCloseBytes).toBe(0);
    expect(s.wireBytes).toBe(101_000);
  });

  it('closes once its byte allowance is received', async () => {
    const { ws, done } = setup({ maxBytes: 3000 });
    ws.open();
    ws.binary(2000);
    expect(ws.closedWith).toBeUndefined();
    ws.binary(2000);
    expect(ws.closedWith?.code).toBe(1000);
    ws.serverClose(1000);
    await done;
  });

  it('drops the connection after the close grace where the platform can', async () => {
    const { clock, ws, done } = setup({ maxBytes: 1000 }, true);
    ws.open();
    ws.binary(500);
    clock.t = 100;
    ws.binary(600);
    clock.t = 700;
    await tick();
    expect(ws.terminated).toBe(true);
    expect((await done).bytes).toBe(1100);
  });

  it('reports a refusal before the socket opens as a connect failure with the status Node saw', async () => {
    const { ws, done } = setup();
    ws.serverClose(1006, '', 'Unexpected server response: 503');
    const err = await done.catch((e: Ndt7Error) => e);
    expect(err).toBeInstanceOf(Ndt7Error);
    expect((err as Ndt7Error).phase).toBe('connect');
    expect((err as Error).message).toBe(
      'ndt7 download from wss://ndt.test/ndt/v7/download: the server refused the test before it started (Unexpected server response: 503, close code 1006)',
    );
  });

  it('treats a close right after opening, with no data, as a refusal (a busy server)', async () => {
    const { clock, ws, done } = setup();
    ws.open();
    clock.t = 3;
    ws.serverClose(1013, 'no capacity');
    const err = (await done.catch((e: unknown) => e)) as Ndt7Error;
    expect(err.phase).toBe('connect');
    expect(err.message).toMatch(/closed the test after 3 ms without data \(close code 1013, no capacity\)/);
  });

  it('calls an abnormal close in the middle of the test a cut-off, with time and bytes', async () => {
    const { clock, ws, done } = setup();
    ws.open();
    ws.binary(400_000);
    clock.t = 800;
    ws.binary(400_000);
    ws.serverClose(1006);
    const err = (await done.catch((e: unknown) => e)) as Ndt7Error;
    expect(err.kind).toBe('dropped');
    expect(err.phase).toBe('test');
    expect(err.message).toBe('ndt7 download from wss://ndt.test/ndt/v7/download was cut off after 800 ms at 800 kB (close code 1006)');
  });

  it('refuses a ws:// leg that the browser opened as wss:// (not plaintext)', async () => {
    const clock = new ManualClock();
    let ws: FakeWebSocket | undefined;
    const done = runSubtest(
      { webSocket: (_url, protocol) => (ws = new FakeWebSocket('wss://ndt.test/ndt/v7/download', protocol)), clock },
      { url: 'ws://ndt.test/ndt/v7/download', direction: 'down', tls: false, durationMs: 1000, maxBytes: 1e9 },
    );
    ws!.open();
    await expect(done).rejects.toMatchObject({ kind: 'not-plaintext' });
  });

  it('refuses a server that did not select the ndt7 subprotocol', async () => {
    const { ws, done } = setup();
    ws.open('');
    await expect(done).rejects.toMatchObject({ kind: 'bad-endpoint', phase: 'connect' });
  });

  it('gives up when the socket does not open in time', async () => {
    const { clock, done } = setup();
    clock.t = 10_000;
    await expect(done).rejects.toThrow('the WebSocket did not open within 10000 ms');
  });

  it('stops when cancelled, saying how far it got', async () => {
    const controller = new AbortController();
    const { clock, ws, done } = setup({ signal: controller.signal });
    ws.open();
    ws.binary(2000);
    clock.t = 120;
    controller.abort();
    await expect(done).rejects.toMatchObject({ kind: 'aborted', message: expect.stringMatching(/cancelled after 120 ms at 2 kB/) });
  });

  it("keeps the run deadline's numbers in the message when it is what stopped the test", async () => {
    const controller = new AbortController();
    const { clock, ws, done } = setup({ signal: controller.signal });
    ws.open();
    clock.t = 300;
    controller.abort(new MeasureError('timeout', "the run's time limit of 5000 ms ran out"));
    await expect(done).rejects.toMatchObject({ kind: 'aborted', message: expect.stringMatching(/cancelled after 300 ms at 0 kB: the run's time limit of 5000 ms ran out$/) });
  });

  it('keeps a test that was already closing when the run deadline came', async () => {
    const controller = new AbortController();
    const { clock, ws, done } = setup({ durationMs: 500, signal: controller.signal });
    ws.open();
    ws.binary(1000);
    clock.t = 200;
    ws.binary(3000);
    clock.t = 600;
    await tick();
    expect(ws.closedWith?.code).toBe(1000);
    controller.abort(new MeasureError('timeout', "the run's time limit of 5000 ms ran out"));
    const s = await done;
    expect(s.bytes).toBe(4000);
  });

  it('still cancels a closing test on a cancel that is not the deadline', async () => {
    const controller = new AbortController();
    const { clock, ws, done } = setup({ durationMs: 500, signal: controller.signal });
    ws.open();
    ws.binary(1000);
    clock.t = 600;
    await tick();
    controller.abort(new Error('cancelled by the user'));
    await expect(done).rejects.toMatchObject({ kind: 'aborted' });
  });

  it('leaves a server measurement longer than 64 KiB unparsed', async () => {
    const { clock, ws, done } = setup({ durationMs: 500 });
    ws.open();
    ws.text({ ConnectionInfo: { UUID: `big-${'x'.repeat(70_000)}` } });
    ws.text({ ConnectionInfo: { UUID: 'small\x1b[2J' } });
    ws.binary(1000);
    clock.t = 600;
    await tick();
    ws.serverClose(1000);
    const s = await done;
    expect(s.serverMeasurements).toBe(1);
    expect(s.uuid).toBe('small');
  });
});

describe('runSubtest, upload', () => {
  it('queues seven 8 KiB messages at first and times the upload by the server measurements', async () => {
    const { clock, ws, done } = setup({
      url: 'wss://ndt.test/ndt/v7/upload',
      direction: 'up',
      durationMs: 1000,
      uploadPayload: new Uint8Array(1 << 20),
    });
    ws.open();
    expect(ws.sent).toEqual(Array(7).fill(8192));
    for (let i = 1; i <= 4; i++) ws.text({ AppInfo: { ElapsedTime: i * 250_000, NumBytes: i * 312_500 }, Origin: 'server', Test: 'upload' });
    clock.t = 1000;
    await tick();
    expect(ws.closedWith?.code).toBe(1000);
    ws.serverClose(1000);
    const s = await done;
    expect(s.timedBy).toBe('server');
    expect(s.mbps).toBeCloseTo(10, 6); // 937,500 bytes in 750 ms
  });

  it('refuses binary data from the server during an upload (half duplex)', async () => {
    const { ws, done } = setup({ url: 'wss://ndt.test/ndt/v7/upload', direction: 'up', uploadPayload: new Uint8Array(1 << 20) });
    ws.bufferedAmount = 1 << 30;
    ws.open();
    ws.binary(10);
    await expect(done).rejects.toThrow('the server sent binary data during an upload');
  });
});

describe('serverGoodput', () => {
  const m = (ms: number, bytes: number) => ({ AppInfo: { ElapsedTime: ms * 1000, NumBytes: bytes } });

  it('runs from the first measurement to the last', () => {
    expect(serverGoodput([m(250, 100_000), m(500, 200_000), m(750, 300_000)], false)).toEqual({ bytes: 200_000, durationMs: 500 });
  });

  it('leaves out the partly idle interval when the client stopped sending early', () => {
    expect(serverGoodput([m(250, 100_000), m(500, 200_000), m(750, 300_000), m(1000, 320_000), m(1250, 320_000)], true)).toEqual({
      bytes: 200_000,
      durationMs: 500,
    });
  });

  it('cannot time an upload with a single full-rate measurement', () => {
    expect(serverGoodput([m(250, 100_000), m(500, 120_000)], true)).toBeUndefined();
  });
});

describe('binArrivals', () => {
  it('spreads each message over the time since the previous one', () => {
    const { bins } = binArrivals(
      [
        { atMs: 0, bytes: 10 },
        { atMs: 200, bytes: 200 },
        { atMs: 300, bytes: 100 },
      ],
      100,
    );
    expect(bins).toEqual([110, 100, 100]);
  });

  it('returns no bins for no messages', () => {
    expect(binArrivals([], 100).bins).toEqual([]);
  });
});
