"""Writes to dealer-management data that the workstation is allowed to make."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from client_history.models import Client


def client_set_do_not_call(*, client: Client, do_not_call: bool, user: AbstractBaseUser) -> Client:
    """Set or clear the client's «не звонить» flag, recording who did it in the client's history.

    Locks the row so two people toggling at once each leave one history record; setting the
    value the flag already has changes nothing and records nothing.
    """
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        if locked.do_not_call != do_not_call:
            locked.do_not_call = do_not_call
            locked._history_user = user
            locked.save(update_fields=["do_not_call"])
    client.do_not_call = do_not_call
    return locked
