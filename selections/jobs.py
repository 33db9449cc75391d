"""Background jobs of the Selections tab (django-tasks; the worker is `manage.py db_worker`).

Jobs take ids, never objects, and are enqueued with `transaction.on_commit`.
"""

from django_tasks import task

from selections.importer.services import importer_batch_read


@task()
def importer_file_read(batch_id: int) -> None:
    """Read an uploaded importer file into its batch's leads, with progress."""
    importer_batch_read(batch_id=batch_id)
