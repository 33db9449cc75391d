"""The importer-file reader («Внешние данные» → «Загрузить из файла»), SPEC §7.2.

Contract with the rest of `selections` (the batch page and `worksheets_create_from_leads`
read only this):

An uploaded file becomes one `LeadBatch` with `kind=importer_file`, `importer_variant`,
`branch`, `department`, `file` (the stored upload) and `file_name`; `status` goes
pending → parsing → ready (or failed, with `error` naming the problem and no leads);
`total_rows`/`processed_rows` drive the progress bar. `error` of a ready batch may hold a
note (rows below a long run of empty lines were not read).

Every data row of the sheet is one `Lead` — none is dropped:

- `row_number`: the row's number in Excel (the header's row + 1 for the first);
- `data`: the normalised values, JSON: `vin` (17 characters or ""), `plate` (canonical or
  ""), `make`, `model`, `year` (int or null), `name`, `phones` (list of "+7XXXXXXXXXX", only
  valid ones), `phone_text` (the cell as given when it held no valid number, else ""),
  `email`, `sale_date`, `last_visit`, `next_maintenance` ("YYYY-MM-DD" or null), `mileage`
  (int or null), `dealer_code`, `comment`, `status` ("ok" | "duplicate" | "error") and, for a
  duplicate, `duplicate_of` (the row number of the first row of that vehicle);
- `errors`: the row's reasons in Russian (empty for an ok row; a duplicate has one);
- `is_usable`: True only for status "ok" (a usable lead: a vehicle identifier, a client name,
  a valid phone, no unreadable value, the first row of its vehicle);
- `match`: "vin" / "plate" (a DMS vehicle found; `vehicle` set, `client` its owner if any,
  else a client found by phone), "phone" (no vehicle, `client` found by phone), "new"
  (a usable row that matched nothing: creation makes the client and the vehicle), "none"
  (a row with problems that matched nothing);
- `last_visit`, `due_date` (= the next maintenance date), `mileage`: the row's dates and
  mileage as columns, for sorting and the campaign reports.

Modules: `workbook` (checks before parsing, calamine), `reader` (header, rows, reasons,
duplicates), `matching` (DMS vehicles and clients), `services` (reading a file, creating
and filling a batch). Its speed is measured by `manage.py bench` (demo app).
"""

from selections.importer.workbook import ImporterFileError

__all__ = ["ImporterFileError"]
