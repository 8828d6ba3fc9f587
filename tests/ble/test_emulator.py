"""The emulated BlueZ itself: private bus only, BlueZ's rules, faults, several devices."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from _live import Collected, make_device, run, wait_until
from bleak import BleakClient, BleakScanner
from bleak.exc import BleakDBusError, BleakError

from repscope.ble.devices import DRIVERS
from repscope.ble.devices.diy import CONFIG_CHAR_UUID, CONTROL_CHAR_UUID, DATA_CHAR_UUID
from repscope.ble.emulator import (
    EmulatedBlueZ,
    EmulatorError,
    Faults,
    check_private_bus_address,
    start_private_bus,
)
from repscope.ble.session import LiveSession, SessionDevice
from repscope.ble.transport import scan

pytestmark = pytest.mark.ble


@pytest.mark.parametrize(
    "address",
    [
        None,
        "",
        "unix:path=/var/run/dbus/system_bus_socket",
        "unix:path=/run/dbus/system_bus_socket,guid=0123",
    ],
)
def test_refuses_the_system_bus(address):
    with pytest.raises(EmulatorError):
        check_private_bus_address(address)


def _relative_to_cwd(path: str) -> str:
    return os.path.relpath(path, Path.cwd())


@pytest.mark.parametrize(
    "address",
    [
        "unix:path=%2Frun%2Fdbus%2Fsystem_bus_socket",  # percent-escaped (issue 17.7)
        "unix:path=%2f%76ar%2frun%2fdbus%2fsystem_bus_socket",
        "relative",  # a relative path to the same socket (issue 17.7)
        "unix:path=/run/dbus/../dbus/system_bus_socket",
        "unix:abstract=/run/dbus/system_bus_socket",
        "unix:tmpdir=/tmp",
        "tcp:host=localhost,port=12345",
        "unix:path=/tmp/some-other-bus/socket",
        "garbage without a transport",
    ],
)
def test_refuses_every_spelling_of_a_bus_that_is_not_the_emulators(address, monkeypatch, tmp_path):
    if address == "relative":
        monkeypatch.chdir(tmp_path)
        address = "unix:path=" + _relative_to_cwd("/run/dbus/system_bus_socket")
        assert not address.startswith("unix:path=/")
    with pytest.raises(EmulatorError):
        check_private_bus_address(address)


def test_accepts_only_the_emulators_own_bus_in_any_spelling(private_bus, tmp_path, monkeypatch):
    assert check_private_bus_address(private_bus.address) == private_bus.address
    socket = private_bus.folder / "bus"
    escaped = "unix:path=" + str(socket).replace("/", "%2F")
    assert check_private_bus_address(escaped) == escaped
    monkeypatch.chdir(private_bus.folder)
    assert check_private_bus_address("unix:path=bus") == "unix:path=bus"
    # a fake private folder whose socket is a link to the system bus is refused
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "bus.conf").write_text((private_bus.folder / "bus.conf").read_text())
    (fake / "bus").symlink_to("/run/dbus/system_bus_socket")
    with pytest.raises(EmulatorError):
        check_private_bus_address(f"unix:path={fake / 'bus'}")
    # one bad entry in a list of addresses is enough to refuse
    with pytest.raises(EmulatorError):
        check_private_bus_address(f"{private_bus.address};unix:path=/run/dbus/system_bus_socket")


def test_refuses_to_start_without_a_private_bus(monkeypatch):
    monkeypatch.delenv("DBUS_SYSTEM_BUS_ADDRESS", raising=False)
    with pytest.raises(EmulatorError, match="DBUS_SYSTEM_BUS_ADDRESS is not set"):
        run(EmulatedBlueZ().start())


def test_private_bus_starts_and_stops_and_shim_reports_bluez_version(private_bus):
    out = subprocess.run(
        ["bluetoothctl", "--version"], capture_output=True, text=True, env=private_bus.env()
    )
    major, minor = map(int, out.stdout.split()[-1].split(".")[:2])
    assert (major, minor) >= (5, 55)
    bus = start_private_bus()
    assert bus.is_running() and (bus.folder / "bus").exists()
    bus.stop()
    assert not bus.is_running()
    assert not bus.folder.exists()


def test_second_emulator_on_the_same_bus_is_refused(private_bus):
    async def scenario():
        async with EmulatedBlueZ():
            with pytest.raises(RuntimeError, match="already owned"):
                await EmulatedBlueZ().start()

    run(scenario())


def test_one_discovery_per_client_and_gatt_rules(private_bus):
    async def scenario():
        async with EmulatedBlueZ() as bluez:
            device = bluez.add_device(make_device("diy", 1, att_mtu=23))
            async with BleakScanner():
                # the same process (one D-Bus client) cannot discover twice at once
                with pytest.raises(BleakDBusError, match="InProgress"):
                    async with BleakScanner():
                        pass
            found = await BleakScanner.find_device_by_address(device.address, timeout=2)
            assert found is not None
            async with BleakClient(found) as client:
                assert device.connected
                # BlueZ object paths and handles: /service000a/char000b/desc000d
                service = client.services.get_service(DRIVERS["diy"].service_uuid)
                assert service.obj[0].endswith("/dev_C0_FF_EE_00_01_01/service000a")
                data = service.get_characteristic(DATA_CHAR_UUID)
                assert data.handle == 0x000B
                assert data.descriptors[0].handle == 0x000D
                assert data.obj[1]["MTU"] == 23
                # read, write and notify permissions come from the profile's flags
                with pytest.raises(BleakError):
                    await client.read_gatt_char(DATA_CHAR_UUID)
                with pytest.raises(BleakError):
                    await client.start_notify(CONTROL_CHAR_UUID, lambda *_: None)
                config = await client.read_gatt_char(CONFIG_CHAR_UUID)
                assert config[0] == 1  # profile version
                # a firmware whose packets exceed MTU - 3 cannot notify them
                device.peripheral.att_mtu = 247  # the bug: packs for a bigger MTU
                got = []
                await client.start_notify(DATA_CHAR_UUID, lambda _c, d: got.append(bytes(d)))
                start = DRIVERS["diy"].start_commands(sampling_rate_hz=400)[0]
                await client.write_gatt_char(start.char_uuid, start.data, response=True)
                await wait_until(lambda: device.stats.oversize_packets >= 3, timeout_s=3)
                assert got == []
            assert not device.connected

    run(scenario())


def test_malformed_packets_are_counted_and_skipped(private_bus):
    async def scenario():
        async with EmulatedBlueZ() as bluez:
            device = bluez.add_device(
                make_device("diy", 1, faults=Faults(malformed_rate=0.15, seed=3))
            )
            (found,) = [f for f in await scan(timeout_s=0.3) if f.address == device.address]
            got = Collected()
            session = LiveSession([SessionDevice("d", found, DRIVERS["diy"], 400)], sink=got.sink)
            await session.start()
            await wait_until(lambda: got.count("d") >= 1500, timeout_s=10)
            await session.stop()
            return device, got, session

    device, got, session = run(scenario())
    stats = session.stats["d"]
    sent_bad = [p for p in device.log.packets if p.fate == "malformed"]
    assert len(sent_bad) >= 5
    assert stats.malformed_packets == len(sent_bad)
    log = device.log.arrays()
    _, acc, _ = got.arrays("d")
    np.testing.assert_allclose(acc, log["acc_g"][log["delivered"]], atol=2.5e-3)
    # every corrupted packet is a gap of its samples, found from the sequence number
    assert stats.missing_samples == sum(p.n_samples for p in sent_bad)
    assert {g.reason for g in stats.gaps} == {"sequence"}


def test_two_devices_of_different_families_at_once(private_bus):
    async def scenario():
        async with EmulatedBlueZ() as bluez:
            bar = bluez.add_device(make_device("diy", 1, rssi_dbm=-50))
            wrist = bluez.add_device(make_device("polar", 2, rssi_dbm=-75))
            found = {f.address: f for f in await scan(timeout_s=0.4)}
            assert [f.driver for f in found.values()] == ["diy", "polar"]  # strongest first
            got = Collected()
            session = LiveSession(
                [
                    SessionDevice("bar", found[bar.address], DRIVERS["diy"], 200),
                    SessionDevice("wrist", found[wrist.address], DRIVERS["polar"], 208),
                ],
                sink=got.sink,
            )
            await session.start()
            await wait_until(
                lambda: got.count("bar") >= 400 and got.count("wrist") >= 400, timeout_s=10
            )
            await session.stop()
            await asyncio.sleep(0)
            return bar, wrist, got, session

    bar, wrist, got, session = run(scenario())
    for label, device in (("bar", bar), ("wrist", wrist)):
        log = device.log.arrays()
        _, acc, _ = got.arrays(label)
        np.testing.assert_allclose(acc, log["acc_g"][log["delivered"]], atol=2.5e-3)
        assert session.stats[label].gaps == []
    # both streams on the one session time axis, overlapping in time
    t_bar, _, _ = got.arrays("bar")
    t_wrist, _, _ = got.arrays("wrist")
    assert abs(t_bar[0] - t_wrist[0]) < 0.5


def test_timed_faults_stall_then_link_loss(private_bus):
    # what `repscope emulate --fault stall@0.8s:0.6s --fault link-loss@2s:0.5s` plays:
    # the stall holds every notification for 0.6 s and then sends the backlog (nothing
    # lost, the device clock keeps the samples in place); the link loss is a gap
    from repscope.ble.emulator.faults import parse_faults
    from repscope.ble.emulator.runner import serve

    _, timed = parse_faults(["stall@0.8s:0.6s", "link-loss@2s:0.5s"])
    device = make_device("diy", 1)

    async def scenario():
        stop = asyncio.Event()
        ready = asyncio.Event()
        address = os.environ["DBUS_SYSTEM_BUS_ADDRESS"]
        server = asyncio.create_task(
            serve(
                [device],
                bus_address=address,
                stop_event=stop,
                on_ready=lambda _: ready.set(),
                timed_faults=timed,
            )
        )
        await asyncio.wait_for(ready.wait(), timeout=10)
        ready_at = asyncio.get_running_loop().time()
        (found,) = [f for f in await scan(timeout_s=0.3) if f.address == device.address]
        arrivals: list[tuple[float, int]] = []
        got = Collected()

        def sink(label, samples):
            arrivals.append((asyncio.get_running_loop().time() - ready_at, samples.n_samples))
            got.sink(label, samples)

        session = LiveSession([SessionDevice("d", found, DRIVERS["diy"], 100)], sink=sink)
        await session.start()
        await wait_until(lambda: session.stats["d"].connections >= 2, timeout_s=10)
        await wait_until(lambda: got.count("d") >= 100 and arrivals[-1][0] > 3.0, timeout_s=10)
        await session.stop()
        stop.set()
        await server
        return session, arrivals

    session, arrivals = run(scenario(), timeout_s=40)
    assert device.stats.stalls == 1 and device.stats.link_losses == 1
    times = np.array([a[0] for a in arrivals])
    # nothing arrived while the radio was stalled (0.8-1.4 s; the stall starts within
    # 0.1 s of its time, and what was sent before it can take a little to arrive)
    during = (times > 1.0) & (times < 1.35)
    assert not during.any()
    # the backlog arrived after the stall and nothing was lost to it: the one gap is the
    # link loss (found from the sequence number)
    stats = session.stats["d"]
    (gap,) = stats.gaps
    assert gap.end_time_s - gap.start_time_s > 0.4
    assert stats.link_losses == 1
    assert device.stats.packets_overflowed == 0
