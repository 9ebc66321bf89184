-- Text helpers shared by the rule SQL, temporary macros like identifiers.sql.

-- dbt's clean_text (dbt_project/macros/typing/clean_text.sql, rendered from there) for
-- delivered text that staging keeps raw (<col>_delivered): trim blanks at both ends
-- (spreadsheet blanks included), and the absent tokens of dbt_project.yml
-- (vars.absent_tokens) become NULL. Record keys are built from it, so they read exactly
-- like stg_rejected's.
CREATE OR REPLACE TEMP MACRO q_clean(s) AS {{ govlake.clean_text('s') }};

-- a date key of a rejected row as ISO text (the truth file's and staging's form): an XLSX
-- cell's serial number (day 0 = 1899-12-30), YYYYMMDD or YYYY-M-D; anything else as it is
CREATE OR REPLACE TEMP MACRO q_key_date(s, excel) AS coalesce(CASE
    WHEN excel AND regexp_full_match(s, '[0-9]{1,5}([.][0-9]*)?')
        THEN strftime(DATE '1899-12-30' + CAST(split_part(s, '.', 1) AS INTEGER), '%Y-%m-%d')
    WHEN regexp_full_match(s, '[0-9]{8}')
        THEN strftime(try_cast(substr(s, 1, 4) || '-' || substr(s, 5, 2) || '-' || substr(s, 7, 2) AS DATE), '%Y-%m-%d')
    WHEN regexp_full_match(s, '[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}')
        THEN strftime(try_cast(regexp_replace(s, '[/.]', '-', 'g') AS DATE), '%Y-%m-%d')
END, s);
