"""Every profile through real bleak and the emulated BlueZ: scan, stream, link loss, reconnect."""

from __future__ import annotations

import time

import numpy as np
import pytest
from _live import Collected, fastest_rate, make_device, run, wait_until

from repscope.ble.devices import DRIVERS
from repscope.ble.emulator import EmulatedBlueZ
from repscope.ble.transport import LiveSession, SessionDevice, scan
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
    # benchmarks (docs/ble.md) and by the percentiles below.
    assert np.abs((time_s - true_s) - np.median(time_s - true_s)).max() < 0.1
    # Within a connection, half the samples are timed within 5 ms of the rest's median
    # error (2 ms failed at 2.45 ms, MetaMotion, with five other test jobs running), and
    # 95% within a connection interval (30 ms; bursts are gone): on a loaded
    # machine the host-time envelope (WitMotion, MetaMotion) can step once by 7-10 ms when
    # a less-delayed packet arrives. A 5 ms bound on the 95th percentile failed about one
    # run in six with both cores busy, and a 15 ms one once at 15.6 ms (MetaMotion) with
    # five other test jobs running; idle both held in every run. Precision belongs to
    # the benchmarks (docs/ble.md), this checks the behaviour.
    for segment in (slice(0, n_conn1), slice(n_conn1, None)):
        error_s = time_s[segment] - true_s[segment]
        error_s -= np.median(error_s)
        settled = np.abs(error_s[time_s[segment] > time_s[segment][0] + 0.5])
        assert np.percentile(settled, 50) < 0.005
        assert np.percentile(settled, 95) < 0.03

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
    assert out["loss_time_s"] - 0.2 < gap.start_time_s <= out["loss_time_s"] + 0.05
    assert gap.start_time_s == pytest.approx(time_s[n_conn1 - 1])
    assert gap.end_time_s == pytest.approx(time_s[n_conn1])
    true_interval_s = true_s[n_conn1] - true_s[n_conn1 - 1]
    assert abs(gap.missing_samples - (round(true_interval_s * rate) - 1)) <= max(2, rate * 0.02)


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
