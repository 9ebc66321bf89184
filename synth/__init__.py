"""Synthetic-city generator: a coherent 滨州市 delivering all 16 sources, defects on demand.

    generate_city(out, persons=20_000, seed=42, defect_rate=0.01,
                  end_date=date(2026, 10, 3), progress=None) -> GenerateSummary

writes the landing zone OUT/<source id>/<YYYY-MM-DD>/<files> (+ an empty _READY
written last) exactly as spec/extracts.yaml describes, and two truth files:

OUT/_truth/defects.csv  source,batch,file,line,record_key,column,kind,original,injected
    one row per injected defect. line is the physical line in the file (CSV
    header = 1; JSON array / GeoJSON: the opening line = 1; JSON Lines: first
    record = 1; XLSX: the sheet row). record_key is the key columns as
    delivered, joined with '|' (empty for whole-file defects). column is the
    registry's canonical name (the extra header's text for extra_column; the key
    columns for duplicate_key; the missing trailing column for short_row).
OUT/_truth/changes.csv  source,batch,file,line,record_key,column,kind,old,new
    deliberate history: kind update (a record changed from that batch on),
    revision (a macro figure revised), missing_batch, late_batch, split_batch.

The same arguments give byte-identical files, in one process or two.
"""

from synth.generate import GenerateSummary, SourceSummary, generate_city

__all__ = ["generate_city", "GenerateSummary", "SourceSummary"]
