"""«Загрузить из файла»: the upload of an importer file, and its batch's progress."""

from django.conf import settings
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from crm_workstation.http import HtmxHttpRequest
from selections import selectors
from selections.importer import ImporterFileError
from selections.importer.forms import ImporterUploadForm, UploadLimitHandler, too_large_message
from selections.importer.services import importer_batch_create
from selections.models import LeadBatch

PAGE = "selections/importer_upload.html"
PROGRESS = "selections/_importer_progress.html"
# Room for the form's other fields and the multipart framing around the file.
_FORM_OVERHEAD = 64 * 1024


def upload_form(user, data=None, files=None) -> ImporterUploadForm:
    departments = selectors.upload_departments_of(user)
    return ImporterUploadForm(data, files, departments=departments, auto_id="importer_%s")


@csrf_exempt  # checked by _upload once the size-limiting upload handler is in place
@require_http_methods(["GET", "POST"])
@permission_required("selections.upload_importer_file", raise_exception=True)
def importer_upload(request: HtmxHttpRequest) -> HttpResponse:
    """GET: the upload form on its own page (no JavaScript needed). POST: store the file as
    a batch and open it; a file over the size limit is refused before it is read (by its
    declared length, else while it arrives), an unreadable one with the reason."""
    if request.method == "GET":
        return render(request, PAGE, {"upload_form": upload_form(request.user)})
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdecimal() and int(length) > settings.IMPORTER_MAX_UPLOAD_BYTES + _FORM_OVERHEAD:
        form = upload_form(request.user)
        form.errors["file"] = form.error_class([too_large_message()])
        return render(request, PAGE, {"upload_form": form}, status=413)
    handler = UploadLimitHandler(request)
    request.upload_handlers.insert(0, handler)
    return _upload(request, handler)


@csrf_protect
def _upload(request: HtmxHttpRequest, handler: UploadLimitHandler) -> HttpResponse:
    form = upload_form(request.user, request.POST, request.FILES)
    valid = form.is_valid()
    if handler.too_large:
        form.errors["file"] = form.error_class([too_large_message()])
        valid = False
    if valid:
        department = form.cleaned_data["department"]
        try:
            batch = importer_batch_create(
                file=form.cleaned_data["file"],
                variant=form.cleaned_data["variant"],
                branch=department.branch,
                department=department,
                user=request.user,
            )
        except ImporterFileError as problem:
            form.add_error("file", str(problem))
        else:
            return redirect("selections:batch", pk=batch.pk)
    return render(request, PAGE, {"upload_form": form}, status=400)


@require_GET
@vary_on_headers("HX-Request")
@permission_required("selections.view_leadbatch", raise_exception=True)
def importer_progress(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The progress of a batch's file being read; once it is done, htmx reloads the page."""
    batch = selectors.batches_visible_to(request.user).filter(pk=pk).first()
    if batch is None or batch.kind != LeadBatch.Kind.IMPORTER_FILE:
        raise Http404
    if not request.htmx:
        return redirect("selections:batch", pk=batch.pk)
    response = render(request, PROGRESS, {"batch": batch})
    if batch.status in (LeadBatch.Status.READY, LeadBatch.Status.FAILED):
        response["HX-Refresh"] = "true"
    return response
