import { describe, expect, it } from 'vitest';
import { NDT7_INITIAL_MESSAGE_BYTES, parseMeasurement, scaledMessageBytes } from '../../../src/core/ndt7/protocol.js';

describe('parseMeasurement', () => {
  it('reads an ndt-server download measurement: AppInfo in microseconds, ConnectionInfo, origin', () => {
    const m = parseMeasurement(
      JSON.stringify({
        AppInfo: { ElapsedTime: 250_123, NumBytes: 1_048_576 },
        ConnectionInfo: { Client: '10.0.0.2:50000', Server: '10.0.0.1:443', UUID: 'ndt-abc_123' },
        Origin: 'server',
        Test: 'download',
        TCPInfo: { ElapsedTime: 250_000, BytesAcked: 1_100_000, MinRTT: 12_000, SomethingNew: 7 },
      }),
    );
    expect(m).toEqual({
      AppInfo: { ElapsedTime: 250_123, NumBytes: 1_048_576 },
      ConnectionInfo: { Client: '10.0.0.2:50000', Server: '10.0.0.1:443', UUID: 'ndt-abc_123' },
      Origin: 'server',
      Test: 'download',
      TCPInfo: { ElapsedTime: 250_000, BytesAcked: 1_100_000, MinRTT: 12_000 },
    });
  });

  it('accepts a measurement with TCPInfo only (what an upload server may send)', () => {
    expect(parseMeasurement('{"TCPInfo":{"ElapsedTime":500000,"BytesReceived":99}}')).toEqual({ TCPInfo: { ElapsedTime: 500000, BytesReceived: 99 } });
  });

  it('refuses text that is not JSON', () => {
    expect(parseMeasurement('not json')).toBeUndefined();
  });

  it('refuses an AppInfo with a negative byte count', () => {
    expect(parseMeasurement('{"AppInfo":{"ElapsedTime":1,"NumBytes":-5}}')).toBeUndefined();
  });

  it('refuses a JSON array', () => {
    expect(parseMeasurement('[1,2]')).toBeUndefined();
  });
});

describe('scaledMessageBytes (spec appendix: double once under 1/16 of what was sent)', () => {
  it('keeps 8 KiB until 128 KiB have been sent', () => {
    expect(scaledMessageBytes(NDT7_INITIAL_MESSAGE_BYTES, 120 * 1024, 1 << 20)).toBe(8192);
    expect(scaledMessageBytes(NDT7_INITIAL_MESSAGE_BYTES, 128 * 1024, 1 << 20)).toBe(16384);
  });

  it('never grows beyond the cap', () => {
    expect(scaledMessageBytes(1 << 20, 1e9, 1 << 20)).toBe(1 << 20);
  });
});
