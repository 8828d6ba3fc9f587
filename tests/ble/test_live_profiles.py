"""Every profile through real bleak and the emulated BlueZ: scan, stream, link loss, reconnect."""

from __future__ import annotations

import time

import numpy as np
import pytest
from _live import Collected, fastest_rate, make_device, run, wait_until

from repscope.ble.devices import DRIVERS
from repscope.ble.emulator import EmulatedBlueZ
from repscope.ble.session import LiveSession, SessionDevice
from repscope.ble.transport import scan
from repscope.errors import InputError

pytestmark = pytest.mark.ble

PROFILES = sorted(DRIVERS)
OUTAGE_S = 0.6


async def _lifecycle(profile: str) -> dict[str, object]:
    rate = fastest_rate(profile)
    async with EmulatedBlueZ() as bluez:
        device = bluez.add_device(make_device(profile, 1, rssi_dbm=-55))
        found = await scan(timeout_s=0.4)
        mine = [f for f in found if f.address == device.address]
        got = Collected()
        session = LiveSession(
            [SessionDevice("s", mine[0], DRIVERS[profile], rate)],
            sink=got.sink,
            on_event=got.events.append,
        )
        await session.start(timeout_s=10)
        await wait_until(lambda: got.count("s") >= 1000, timeout_s=15)
        before = got.count("s")
        loss_time_s = time.monotonic() - session.anchor.monotonic_s
        device.trigger_link_loss(outage_s=OUTAGE_S)
        await wait_until(
            lambda: (
                session.links["s"].stats.connections >= 2 and got.count("s") >= before + rate * 1.2
            ),
            timeout_s=10,
        )
        await session.stop()
        return {
            "rate": rate,
            "found": mine,
            "device": device,
            "got": got,
            "session": session,
            "loss_time_s": loss_time_s,
            "before": before,
        }


@pytest.mark.parametrize("profile", PROFILES)
def test_profile_scan_stream_link_loss_and_reconnect(private_bus, profile):
    out = run(_lifecycle(profile), timeout_s=45)
    rate = out["rate"]
    device = out["device"]
    got: Collected = out["got"]
    session: LiveSession = out["session"]

    # scan: found once, right family, RSSI within the emulated jitter
    assert len(out["found"]) == 1
    found = out["found"][0]
    assert found.driver == profile
    assert found.name == device.name
    assert -58 <= found.rssi_dbm <= -52

    # stream: every delivered sample decoded once, in order, within quantisation, except
    # those a still-streaming sensor sent before the reconnection's start was acknowledged
    log = device.log.arrays()
    delivered = log["delivered"]
    sent_acc, sent_gyr = log["acc_g"][delivered], log["gyr_dps"][delivered]
    sent_true_s = log["true_host_time_s"][delivered] - session.anchor.monotonic_s
    time_s, _, gyr = got.arrays("s")
    assert got.count("s") >= 1000 + rate * 1.2
    kept = []  # index into the delivered samples of every decoded sample
    first = skipped = 0
    for connection in (1, 2):
        part = [c for c in got.chunks["s"] if c.connection == connection]
        part_acc = np.concatenate([c.acc_g for c in part])
        start = np.abs(sent_acc[first:] - part_acc[0]).max(axis=1) < 2.5e-3
        skipped += int(np.argmax(start))
        first += int(np.argmax(start))
        block = slice(first, first + part_acc.shape[0])
        np.testing.assert_allclose(part_acc, sent_acc[block], atol=2.5e-3)
        if gyr is not None:
            part_gyr = np.concatenate([c.gyr_dps for c in part])
            np.testing.assert_allclose(part_gyr, sent_gyr[block], atol=0.1)
        kept.append(np.arange(block.start, block.stop))
        first = block.stop
    assert first == sent_acc.shape[0]
    assert skipped == session.stats["s"].discarded_samples
    kept_index = np.concatenate(kept)
    n_conn1 = kept[0].size

    # time: strictly increasing, no bursts: close to when the device really sampled
    assert np.all(np.diff(time_s) > 0)
    true_s = sent_true_s[kept_index]
    # within a connection the error is jitter; between connections the host-clock
    # profiles also differ by the least latency each connection happened to see. This is
    # a behaviour check (no sample off by a connection's burst pattern or a link loss,
    # which are 30 ms to seconds): it held below 0.03 s idle, but reached 0.033 s (WitMotion)
    # on a busy machine, so the bound is 0.1 s; the precision is measured in
    # benchmarks (docs/ble.md). It applies from 0.5 s into each connection: a host-time
    # clock has only the first notification to time the first samples by, and with both
    # cores loaded one arrived 131 ms late (MetaMotion; the samples were placed 130 ms
    # late, then caught up within 0.25 s).
    started = np.zeros(time_s.size, dtype=bool)
    for segment in (slice(0, n_conn1), slice(n_conn1, None)):
        started[segment] = time_s[segment] > time_s[segment][0] + 0.5
    error_s = (time_s - true_s) - np.median(time_s - true_s)
    assert np.abs(error_s[started]).max() < 0.1
    # Within a connection the bursts are gone: nearly every step between consecutive
    # samples is the true sampling step (to a tenth of a period; host arrival stamps fail
    # this for two samples in three), and 95% of the samples are within a connection
    # interval (30 ms) of the rest's median error. Under load the least latency can drop
    # by 5-10 ms at any moment (a stall ends): a host-time clock (WitMotion, MetaMotion)
    # cannot know it before, so its envelope steps down once, and the samples before keep
    # their later times. The step is a property of the load, not of the clock, so the
    # error's median is not bounded here: a 5 ms bound on it failed at 5.1 ms (MetaMotion,
    # both cores loaded: the second connection's least latency was 9-12 ms for 0.75 s,
    # then 4 ms). A period tilted by such a step (a ramp of up to 20 ms: issue 17) is
    # tested in tests/ble/test_clock.py; the precision is measured in benchmarks
    # (docs/ble.md). Measured with both cores busy: at least 91.5% of the steps matched.
    for segment in (slice(0, n_conn1), slice(n_conn1, None)):
        error_s = time_s[segment] - true_s[segment]
        error_s -= np.median(error_s)
        settled = np.abs(error_s[time_s[segment] > time_s[segment][0] + 0.5])
        assert np.percentile(settled, 95) < 0.03
        steps_s = np.diff(time_s[segment]) - np.diff(true_s[segment])
        assert np.mean(np.abs(steps_s) < 0.1 / rate) > 0.8

    # the decoders know the MTU the link negotiated (Movesense: a notification shorter
    # than it ends its message, which then need not wait for the next notification)
    configured = [e.decoder for e in got.events if e.kind == "configuring"]
    assert [d.att_mtu for d in configured if d is not None] == [device.att_mtu] * 2

    # link loss: one loss, one reconnection, and a gap where the link was down
    stats = session.stats["s"]
    assert stats.link_losses == 1
    assert stats.connections == 2
    loss_gaps = [g for g in stats.gaps if g.end_time_s - g.start_time_s > OUTAGE_S * 0.8]
    assert len(loss_gaps) == 1
    gap = loss_gaps[0]
    # The gap starts at the last sample received, which was sent before the loss. How
    # long before is the delivery lag of the in-process emulator and client: under 0.2 s
    # idle, but 0.43 and 0.73 s (WitMotion at 200 Hz) with both cores oversubscribed, when
    # the samples queued at the loss were lost with the link. That the gap is where the
    # samples stop is checked against the sensor's log just below.
    assert gap.start_time_s <= out["loss_time_s"] + 0.05
    assert gap.start_time_s == pytest.approx(time_s[n_conn1 - 1])
    assert gap.end_time_s == pytest.approx(time_s[n_conn1])
    # the count of lost samples is right to within the clock's error at the two ends: a
    # connection interval (30 ms; 20 ms failed at 30 ms, 200 Hz, both cores loaded: the
    # first notifications of a connection are all a host-time clock has to go on)
    true_interval_s = true_s[n_conn1] - true_s[n_conn1 - 1]
    assert abs(gap.missing_samples - (round(true_interval_s * rate) - 1)) <= rate * 0.03 + 2


async def _stream_then_stop(profile: str, rate: float) -> tuple[int, int, int]:
    async with EmulatedBlueZ() as bluez:
        device = bluez.add_device(make_device(profile, 1))
        found = [f for f in await scan(timeout_s=0.4) if f.address == device.address]
        got = Collected()
        session = LiveSession([SessionDevice("s", found[0], DRIVERS[profile], rate)], sink=got.sink)
        await session.start(timeout_s=10)
        await wait_until(lambda: got.count("s") >= 300, timeout_s=15)
        await session.stop()
        delivered = int(device.log.arrays()["delivered"].sum())
        return delivered, got.count("s"), session.stats["s"].discarded_samples


@pytest.mark.parametrize("profile", PROFILES)
def test_stop_delivers_every_sample_the_sensor_sent(private_bus, profile):
    # A Movesense message that could continue in the next notification is held back by
    # its decoder; at the end of the stream the session flushes it (it lost 8 samples,
    # one packet at 104 Hz, at every stop before).
    rate = fastest_rate(profile, at_most=110.0)
    delivered, received, discarded = run(_stream_then_stop(profile, rate), timeout_s=40)
    assert received >= 300
    assert received + discarded == delivered


async def _start_at(profile: str, rate: float) -> None:
    async with EmulatedBlueZ() as bluez:
        device = bluez.add_device(make_device(profile, 1))
        found = [f for f in await scan(timeout_s=0.4) if f.address == device.address]
        session = LiveSession(
            [SessionDevice("s", found[0], DRIVERS[profile], rate)], sink=lambda *_: None
        )
        try:
            await session.start(timeout_s=10)
        finally:
            await session.stop()


def test_polar_model_is_read_before_the_rate_is_chosen(private_bus):
    # The emulated Polar is a Verity Sense (26/52/104/208/416 Hz); 100 Hz is an H10 rate.
    # The feature read tells the model before the start command: a clear error, where
    # the model was once guessed from the rate and the sensor silently sent nothing.
    with pytest.raises(InputError, match=r"VeritySense cannot use sampling_rate_hz = 100 Hz"):
        run(_start_at("polar", 100.0), timeout_s=30)
