"""A minimal D-Bus object server: exported objects, properties, methods and signals.

The emulated BlueZ is written against this small layer rather than dbus-fast's
``ServiceInterface`` because it needs the caller of every method (notification and
discovery sessions belong to the client's bus connection, as in BlueZ), replies that
arrive later (``Connect``) and a cheap path for hundreds of ``PropertiesChanged`` signals
per second. The standard interfaces are implemented here:

* ``org.freedesktop.DBus.ObjectManager.GetManagedObjects`` on ``/`` and the
  ``InterfacesAdded`` / ``InterfacesRemoved`` signals (sent from ``/``, like BlueZ);
* ``org.freedesktop.DBus.Properties.Get`` / ``GetAll`` / ``Set`` and
  ``PropertiesChanged``;
* ``org.freedesktop.DBus.Introspectable.Introspect`` (child nodes and interface names,
  enough for ``busctl tree`` and d-feet).

Methods of the emulated interfaces are plain callables registered per object and
interface; they receive the calling :class:`dbus_fast.Message` and its arguments and
return the reply body (or a coroutine, whose result is sent when it completes). Raising
:class:`DBusMethodError` sends a D-Bus error with that name (``org.bluez.Error.*``).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.constants import NameFlag, RequestNameReply

logger = logging.getLogger(__name__)

OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"

#: ``(out_signature, callable(msg, *args) -> body list | awaitable of body list)``
MethodImpl = tuple[str, Callable[..., Any]]


class DBusMethodError(Exception):
    """Raised by a method implementation to answer with a named D-Bus error."""

    def __init__(self, name: str, text: str = "") -> None:
        super().__init__(f"{name}: {text}")
        self.name = name
        self.text = text


@dataclass
class DBusObject:
    """One exported object: its interfaces' properties and methods.

    Attributes
    ----------
    path
        Object path.
    properties
        ``{interface: {name: Variant}}``.
    methods
        ``{(interface, member): (out_signature, implementation)}``.
    writable
        ``{(interface, property): setter(value)}`` for properties clients may ``Set``.
    """

    path: str
    properties: dict[str, dict[str, Variant]] = field(default_factory=dict)
    methods: dict[tuple[str, str], MethodImpl] = field(default_factory=dict)
    writable: dict[tuple[str, str], Callable[[Any], None]] = field(default_factory=dict)


class ObjectServer:
    """Serve :class:`DBusObject` instances under a well-known name on one bus connection.

    Call :meth:`connect`, then :meth:`export` objects. Callbacks registered with
    :meth:`on_client_gone` run when a client's connection closes (``NameOwnerChanged``
    with an empty new owner), which is how BlueZ ends a dead client's sessions.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.bus: MessageBus | None = None
        self.objects: dict[str, DBusObject] = {}
        self._gone_callbacks: list[Callable[[str], None]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ lifecycle
    async def connect(self, bus_address: str) -> None:
        """Connect to the bus, own :attr:`name` and start answering calls."""
        bus = MessageBus(bus_address=bus_address)
        await bus.connect()
        reply = await bus.request_name(self.name, NameFlag.DO_NOT_QUEUE)
        if reply not in (RequestNameReply.PRIMARY_OWNER, RequestNameReply.ALREADY_OWNER):
            bus.disconnect()
            raise RuntimeError(f"{self.name} is already owned on {bus_address}")
        bus.add_message_handler(self._handle)
        await bus.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus",
                member="AddMatch",
                signature="s",
                body=[
                    "type='signal',sender='org.freedesktop.DBus',"
                    "interface='org.freedesktop.DBus',member='NameOwnerChanged'"
                ],
            )
        )
        self.bus = bus

    def disconnect(self) -> None:
        """Close the bus connection (clients see the name vanish)."""
        for task in list(self._tasks):
            task.cancel()
        if self.bus is not None:
            self.bus.disconnect()
            self.bus = None

    def on_client_gone(self, callback: Callable[[str], None]) -> None:
        """Register ``callback(unique_name)`` for clients whose connection closed."""
        self._gone_callbacks.append(callback)

    # ------------------------------------------------------------------ objects
    def export(self, obj: DBusObject) -> None:
        """Export ``obj`` and announce it with ``InterfacesAdded``."""
        self.objects[obj.path] = obj
        self.send_signal(
            "/",
            OBJECT_MANAGER,
            "InterfacesAdded",
            "oa{sa{sv}}",
            [obj.path, {iface: dict(props) for iface, props in obj.properties.items()}],
        )

    def unexport(self, path: str) -> None:
        """Remove the object at ``path`` and announce it with ``InterfacesRemoved``."""
        obj = self.objects.pop(path, None)
        if obj is None:
            return
        self.send_signal(
            "/", OBJECT_MANAGER, "InterfacesRemoved", "oas", [path, list(obj.properties)]
        )

    def set_properties(self, path: str, interface: str, changed: dict[str, Variant]) -> None:
        """Update properties of an exported object and emit ``PropertiesChanged``."""
        obj = self.objects.get(path)
        if obj is None:
            return
        obj.properties.setdefault(interface, {}).update(changed)
        self.send_signal(
            path, PROPERTIES, "PropertiesChanged", "sa{sv}as", [interface, changed, []]
        )

    def send_signal(
        self, path: str, interface: str, member: str, signature: str, body: list[Any]
    ) -> None:
        """Send a signal (dropped silently when not connected)."""
        if self.bus is None or not self.bus.connected:
            return
        self.bus.send(Message.new_signal(path, interface, member, signature, body))

    # ------------------------------------------------------------------ dispatch
    def _handle(self, msg: Message) -> Message | bool | None:
        if msg.message_type == MessageType.SIGNAL:
            if msg.member == "NameOwnerChanged" and msg.sender == "org.freedesktop.DBus":
                name, _old, new = msg.body
                if name.startswith(":") and not new:
                    for callback in list(self._gone_callbacks):
                        callback(name)
            return None
        if msg.message_type != MessageType.METHOD_CALL:
            return None
        assert self.bus is not None
        if msg.destination not in (self.name, self.bus.unique_name):
            return None
        try:
            return self._dispatch(msg)
        except DBusMethodError as exc:
            return Message.new_error(msg, exc.name, exc.text)

    def _dispatch(self, msg: Message) -> Message | bool:
        interface, member, path = msg.interface, msg.member, msg.path or "/"
        if interface == OBJECT_MANAGER and member == "GetManagedObjects":
            prefix = "" if path == "/" else path + "/"
            result = {
                p: {iface: dict(props) for iface, props in o.properties.items()}
                for p, o in self.objects.items()
                if p.startswith(prefix)
            }
            return Message.new_method_return(msg, "a{oa{sa{sv}}}", [result])
        if interface == INTROSPECTABLE and member == "Introspect":
            return Message.new_method_return(msg, "s", [self._introspect(path)])
        obj = self.objects.get(path)
        if obj is None:
            return Message.new_error(
                msg, "org.freedesktop.DBus.Error.UnknownObject", f"no object at {path}"
            )
        if interface == PROPERTIES:
            return self._properties_call(msg, obj)
        candidates = (
            [(interface, member)]
            if interface
            else [key for key in obj.methods if key[1] == member][:1]
        )
        for key in candidates:
            if key in obj.methods:
                out_signature, impl = obj.methods[key]
                return self._invoke(msg, out_signature, impl)
        return Message.new_error(
            msg,
            "org.freedesktop.DBus.Error.UnknownMethod",
            f"{interface}.{member} not found on {path}",
        )

    def _invoke(self, msg: Message, out_signature: str, impl: Callable[..., Any]) -> Message | bool:
        result = impl(msg, *msg.body)
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(self._finish(msg, out_signature, result))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return True
        return Message.new_method_return(msg, out_signature, list(result or []))

    async def _finish(self, msg: Message, out_signature: str, awaitable: Any) -> None:
        try:
            body = await awaitable
            reply = Message.new_method_return(msg, out_signature, list(body or []))
        except DBusMethodError as exc:
            reply = Message.new_error(msg, exc.name, exc.text)
        except asyncio.CancelledError:
            reply = Message.new_error(msg, "org.bluez.Error.Failed", "Operation aborted")
            if self.bus is not None and self.bus.connected:
                self.bus.send(reply)
            raise
        if self.bus is not None and self.bus.connected:
            self.bus.send(reply)

    def _properties_call(self, msg: Message, obj: DBusObject) -> Message:
        member = msg.member
        if member == "GetAll":
            (iface,) = msg.body
            return Message.new_method_return(msg, "a{sv}", [dict(obj.properties.get(iface, {}))])
        if member == "Get":
            iface, name = msg.body
            try:
                value = obj.properties[iface][name]
            except KeyError:
                return Message.new_error(
                    msg, "org.freedesktop.DBus.Error.InvalidArgs", f"No such property '{name}'"
                )
            return Message.new_method_return(msg, "v", [value])
        if member == "Set":
            iface, name, value = msg.body
            setter = obj.writable.get((iface, name))
            if setter is None:
                return Message.new_error(
                    msg, "org.freedesktop.DBus.Error.PropertyReadOnly", f"{name} is read-only"
                )
            setter(value.value)
            self.set_properties(obj.path, iface, {name: value})
            return Message.new_method_return(msg)
        return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", str(member))

    def _introspect(self, path: str) -> str:
        prefix = "/" if path == "/" else path + "/"
        children = sorted(
            {p[len(prefix) :].split("/", 1)[0] for p in self.objects if p.startswith(prefix)}
        )
        lines = ["<node>"]
        obj = self.objects.get(path)
        if obj is not None:
            lines += [f'  <interface name="{iface}"/>' for iface in obj.properties]
        lines += [f'  <node name="{child}"/>' for child in children if child]
        lines.append("</node>")
        return "\n".join(lines)
