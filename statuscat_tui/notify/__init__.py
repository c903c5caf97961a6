"""Notification channels: Apprise URLs and the ``desktop`` notification.

The engine calls :func:`deliver` once per entry of a person's ``notify`` list
and records :func:`describe_target` labels and :class:`Delivery` details, none
of which ever contains a secret from the URL.
"""

from statuscat_tui.notify.channels import deliver, describe_target, validate_target
from statuscat_tui.notify.message import Delivery, Message

__all__ = ["Delivery", "Message", "deliver", "describe_target", "validate_target"]
