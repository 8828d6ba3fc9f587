"""Live Bluetooth Low Energy mode: drivers, transport, recorder and an emulated BlueZ.

Layout
------
``devices/``
    Pure decoders and peripheral-side encoders, one driver per sensor family.
``transport``
    The only module that imports :mod:`bleak`: scanning, connecting, subscribing and
    reconnecting, with every notification stamped with host time.
``clock``
    Sample-time reconstruction from device timestamps, sequence numbers or host arrival
    times, with lost packets reported as gaps.
``recorder``
    Crash-safe CSV recording of one or several sensors.
``emulator/``
    A stand-in ``org.bluez`` service on a private D-Bus daemon, so that the real bleak
    stack can be exercised (and demonstrated) without a radio.
"""
