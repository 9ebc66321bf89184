-- Identifier and format checks of docs/identifiers.md as DuckDB macros (temporary: created on
-- the connection of each quality run, never stored in the warehouse).
--
-- The staging models already flag bad check digits; the quality layer needs validity itself
-- where a rule asks "is this a valid <kind>" of a value the staging flag does not answer -
-- the {by, cases} form of a check (a subject_code must be an ID number for 自然人 and a USCC
-- otherwise) - and for formats staging leaves to quality (mobile, ICD-10, GB/T 4754
-- industry). The check-digit algorithms are the dbt project's macros
-- (dbt_project/macros/identifiers/, `govlake.<macro>`, rendered by quality/sqlfiles.py):
-- one definition for both. A value is valid when it is present and its staging flag is
-- NULL - no normalisation either (lower-case x or letters, a 15-digit number are not valid).
-- tests/unit/test_quality_sql_identifiers.py checks every macro against python-stdnum and
-- the vectors of docs/identifiers.md.

-- 公民身份号码 GB 11643-1999: check character of the first 17 digits
CREATE OR REPLACE TEMP MACRO q_id_card_check(s) AS {{ govlake.id_card_check_char('s') }};

-- an 18-character number (upper-case X), a real embedded birth date, the right check
CREATE OR REPLACE TEMP MACRO q_id_card_valid(s) AS coalesce(s IS NOT NULL AND {{ govlake.id_card_flag('s') }} IS NULL, false);

-- what the (18-digit) number itself says: birth date (digits 7-14), gender by the parity
-- of digit 17 ('1' 男 odd, '2' 女 even)
CREATE OR REPLACE TEMP MACRO q_id_card_birth_date(s) AS {{ govlake.id_card_birth_date('s') }};
CREATE OR REPLACE TEMP MACRO q_id_card_gender(s) AS {{ govlake.id_card_gender('s') }};

-- 统一社会信用代码 GB 32100-2015 (with GB 11714's check at 9-17): check character of the
-- first 17 characters, and validity (upper case only)
CREATE OR REPLACE TEMP MACRO q_uscc_check(s) AS {{ govlake.uscc_check_char('s') }};
CREATE OR REPLACE TEMP MACRO q_uscc_valid(s) AS coalesce(s IS NOT NULL AND {{ govlake.uscc_flag('s') }} IS NULL, false);

-- ISO/IEC 7064 MOD 37,36 check character of `payload` (any length, alphabet 0-9A-Z)
CREATE OR REPLACE TEMP MACRO q_mod_37_36_check(payload) AS {{ govlake.mod_37_36_fold(
    "list_transform(range(1, length(payload) + 1), lambda i: " ~ govlake.char_value('payload', 'i', '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ') ~ ")") }};

-- 电子证照标识 GB/T 36904 (upper case only)
CREATE OR REPLACE TEMP MACRO q_licence_id_valid(s) AS coalesce(s = upper(s) AND {{ govlake.licence_id_flag('s') }} IS NULL, false);

-- 专利申请号: CN + 12 digits (year 4, type 1-3, sequence 7) + '.' + check (upper case only)
CREATE OR REPLACE TEMP MACRO q_patent_no_valid(s) AS coalesce(s = upper(s) AND {{ govlake.patent_no_flag('s') }} IS NULL, false);

-- simple formats (docs/identifiers.md): mobile, ICD-10, GB/T 4754-2017 industry code whose
-- division (digits 1-2) belongs to its section letter
CREATE OR REPLACE TEMP MACRO q_mobile_valid(s) AS coalesce(regexp_full_match(s, '1[3-9][0-9]{9}'), false);
CREATE OR REPLACE TEMP MACRO q_icd10_valid(s) AS coalesce(regexp_full_match(s, '[A-Z][0-9]{2}([.][0-9X]{1,2})?'), false);
CREATE OR REPLACE TEMP MACRO q_industry_valid(s) AS coalesce(
    regexp_full_match(s, '[A-T][0-9]{4}')
    AND try_cast(substr(s, 2, 2) AS INTEGER) BETWEEN
        CASE substr(s, 1, 1) {% for section, (lo, hi) in industry_sections.items() %}WHEN '{{ section }}' THEN {{ lo }} {% endfor %}END
        AND
        CASE substr(s, 1, 1) {% for section, (lo, hi) in industry_sections.items() %}WHEN '{{ section }}' THEN {{ hi }} {% endfor %}END,
    false);

-- validity by check name, for the {by, cases} form of a registry check
CREATE OR REPLACE TEMP MACRO q_valid_as(s, check_name) AS CASE check_name
    WHEN 'id_card' THEN q_id_card_valid(s)
    WHEN 'uscc' THEN q_uscc_valid(s)
    WHEN 'licence_id' THEN q_licence_id_valid(s)
    WHEN 'patent_no' THEN q_patent_no_valid(s)
    WHEN 'mobile' THEN q_mobile_valid(s)
    WHEN 'icd10' THEN q_icd10_valid(s)
    WHEN 'industry' THEN q_industry_valid(s)
END;
