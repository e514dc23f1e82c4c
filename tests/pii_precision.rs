//! One regression test per class of false positive found by scanning
//! ordinary code (the cargo registry's sources and a Python environment
//! with numpy, scipy, pandas, scikit-learn and pip), and the defaults of
//! each file class. Each test also checks that the real value next to the
//! impostor is still found, so a test cannot pass by finding nothing.

use maestro::pii::scan::{scan_text, Report, Settings};
use maestro::pii::{Action, Finding};

fn scan(path: &str, text: &str) -> Report {
    let mut r = Report::default();
    scan_text(path, text, &Settings::new(Default::default()), &mut r);
    r
}

fn rules(r: &Report) -> Vec<(&str, Action)> {
    r.findings
        .iter()
        .map(|f| (f.rule.as_str(), f.action))
        .collect()
}

fn with_rule<'a>(r: &'a Report, rule: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.rule == rule).collect()
}

const CARD: &str = "4539 1488 0343 6467";

#[test]
fn floats_and_exponents_are_not_spanish_nifs() {
    let r = scan(
        "pkg/consts.py",
        "v = [\"1.06156156e-315\", 12345686e-01]\nparse(\"2021-01-02T03:04:05.12345678Z\")\nnif = '12345679S'\n",
    );
    let lines: Vec<usize> = with_rule(&r, "pii/value/es-nif")
        .iter()
        .map(|f| f.line)
        .collect();
    assert_eq!(lines, [3], "{:?}", r.findings);
}

#[test]
fn digits_after_a_decimal_point_are_not_nhs_numbers() {
    let r = scan(
        "scipy/constants/_codata.py",
        "inverse meter-atomic mass unit relationship  1.331 025 0394 e-15   0.000 000 0019 e-15   u\nNHS: 401 023 2137\n",
    );
    let nhs = with_rule(&r, "pii/value/uk-nhs");
    assert_eq!(nhs.len(), 1, "{:?}", r.findings);
    assert_eq!(nhs[0].line, 2);
}

#[test]
fn uuids_and_guids_are_not_aadhaar_numbers() {
    let r = scan(
        "src/ids.rs",
        "[UUID('12345678-1234-5678-1234-567812345678')]\nw!(\"{23456789-11D0-A5D6-28DB04C10000}\");\naadhaar: 3123 4567 8909\n",
    );
    let lines: Vec<usize> = with_rule(&r, "pii/value/in-aadhaar")
        .iter()
        .map(|f| f.line)
        .collect();
    assert_eq!(lines, [3], "{:?}", r.findings);
}

#[test]
fn seeds_big_integers_and_tables_are_not_cards() {
    let text = format!(
        "rng = np.random.default_rng(2361871237836487)\nser = pd.Series([635554097106142143], dtype=\"int64\")\n\
         [4220315081820346526, 7177518203184491332]],\n\
         1994165897297032, 2245000007398739\n\
         pay = \"{CARD}\"\n"
    );
    let r = scan("pkg/algos.py", &text);
    let blocks: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.action == Action::Block)
        .collect();
    assert_eq!(blocks.len(), 1, "{:?}", r.findings);
    assert!(r
        .findings
        .iter()
        .all(|f| f.line == 5 || f.action == Action::Warn));
    assert_eq!(blocks[0].line, 5, "only the grouped card blocks");
}

#[test]
fn certificate_serials_in_a_bundle_are_no_findings() {
    let bundle = "# Serial: 2361871237836487\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n";
    let r = scan("certifi/cacert.pem", bundle);
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    let same = scan("certifi/notes.py", &format!("card = \"{CARD}\"\n"));
    assert_eq!(
        same.findings.len(),
        1,
        "the value itself is found elsewhere"
    );
}

#[test]
fn timestamps_versions_and_rows_of_numbers_are_not_phone_numbers() {
    let r = scan(
        "pkg/merge.py",
        "t = \"2016-05-25 13:30:00.107\"\nv = \"1.2.840.113549.1.1.11\"  # sha256WithRSAEncryption\n-51 27 -48 26 -73 -46 -68 -56 -38 -4 49\n# 02110-1301  USA\nphone: +44 20 7946 0958\n",
    );
    let lines: Vec<usize> = r.findings.iter().map(|f| f.line).collect();
    assert_eq!(
        lines,
        [5],
        "no SSN, phone or IP but the phone: {:?}",
        r.findings
    );
}

#[test]
fn lexer_and_parser_tokens_are_not_credentials() {
    let lexer = "use proc_macro2::TokenStream;\nfn f(token: Token) {\n    let repr = token.to_string();\n    panic!(\"not a literal: {}\", repr);\n}\n";
    assert!(scan("src/lit.rs", lexer).findings.is_empty());
    let py = "import tokenize\ndef f(tok):\n    token = next(tokenize.generate_tokens(tok))\n    logger.info(token.string)\n";
    assert!(scan("pkg/lex.py", py).findings.is_empty());
    let js = "const lexer = new Lexer(src);\nconsole.log(lexer.token, token.value, tokenIndex);\n";
    assert!(scan("src/parse.js", js).findings.is_empty());
    // The same call in code about authentication still counts.
    let auth = "def f(session):\n    token = session.access_token\n    logger.info(token)\n";
    assert_eq!(
        rules(&scan("pkg/auth.py", auth)),
        [("pii/flow/logger", Action::Block)]
    );
}

#[test]
fn certificates_are_public_and_private_keys_are_not() {
    let src = "fn f(cert: &Cert, key: &Key) {\n    trace!(\"cert {:?}\", cert);\n    trace!(\"key {:?}\", private_key);\n}\n";
    let r = scan("src/tls.rs", src);
    assert_eq!(rules(&r), [("pii/flow/logger", Action::Block)]);
    assert_eq!(r.findings[0].line, 3);
}

#[test]
fn a_name_needs_a_person() {
    let src = "def f(ext, owner, user):\n    log.info(ext.instance_profile_name)\n    log.info(owner.__name__)\n    log.info(candidate.name)\n    msg = self._name_owner\n    raise NotImplementedError(msg)\n    log.info(user.full_name)\n";
    let r = scan("pkg/mod.py", src);
    let lines: Vec<usize> = r.findings.iter().map(|f| f.line).collect();
    assert_eq!(lines, [7], "{:?}", r.findings);
}

#[test]
fn what_a_parse_call_returns_is_not_the_token() {
    let src = "fn t(token: &str) {\n    let err = parse_cached_token(token).expect_err(\"bad\");\n    let actual = format!(\"{err}\");\n    assert!(actual.is_empty(), \"{actual}\");\n    let shown = format!(\"{token}\");\n    assert!(shown.is_empty(), \"{shown}\");\n}\n";
    let r = scan("src/cache.rs", src);
    let lines: Vec<usize> = r.findings.iter().map(|f| f.line).collect();
    assert_eq!(lines, [6], "{:?}", r.findings);
}

#[test]
fn documented_sample_values_warn_in_code_and_vanish_in_tests_and_docs() {
    let doc = "    ssn : 111-22-3333\n    card 4111 1111 1111 1111\n";
    let code = scan("pkg/results.py", doc);
    assert!(
        code.findings.iter().all(|f| f.action == Action::Warn),
        "{:?}",
        code.findings
    );
    assert_eq!(code.findings.len(), 2);
    for path in [
        "tests/test_results.py",
        "docs/usage.md",
        "pkg/fixtures/x.txt",
    ] {
        let r = scan(path, doc);
        assert!(r.findings.is_empty(), "{path}: {:?}", r.findings);
        assert_eq!(r.by_file_class, 2);
    }
}

#[test]
fn real_looking_values_in_tests_warn_and_in_code_block() {
    let text = format!("pay = \"{CARD}\"\n");
    let t = scan("tests/test_pay.py", &text);
    assert_eq!(rules(&t), [("pii/value/credit-card", Action::Warn)]);
    assert!(
        t.findings[0].reason.contains("test code"),
        "{}",
        t.findings[0].reason
    );
    let c = scan("src/pay.py", &text);
    assert_eq!(rules(&c), [("pii/value/credit-card", Action::Block)]);
    // Rust unit tests live in the code file.
    let rs =
        format!("fn a() {{}}\n#[cfg(test)]\nmod tests {{\n    const C: &str = \"{CARD}\";\n}}\n");
    assert_eq!(
        rules(&scan("src/pay.rs", &rs)),
        [("pii/value/credit-card", Action::Warn)]
    );
}

#[test]
fn authors_addresses_are_no_findings() {
    let r = scan(
        "src/lib.rs",
        "// Copyright 2020 Ann Lee <ann.lee@corp.io>\n/* Written by Bo Chen (bo@corp.io) */\nsend(to = \"cy@corp.io\")\n",
    );
    let lines: Vec<usize> = with_rule(&r, "pii/value/email")
        .iter()
        .map(|f| f.line)
        .collect();
    assert_eq!(lines, [3]);
    let manifest = scan("Cargo.toml", "authors = [\"Ann Lee <ann.lee@corp.io>\"]\n");
    assert!(manifest.findings.is_empty());
    assert_eq!(manifest.by_file_class, 1);
}

#[test]
fn a_csv_of_card_numbers_is_caught_by_its_column() {
    let csv = "id,name,card_number\n1,Ann,4539148803436467\n2,Bo,5425233430109903\n3,Cy,4916338506082832\n";
    let r = scan("exports/customers.csv", csv);
    assert_eq!(r.findings.len(), 3, "{:?}", r.findings);
    assert!(r.findings.iter().all(|f| f.action == Action::Block));
    assert!(
        r.findings[0].reason.contains("context word"),
        "the header is context"
    );
}

#[test]
fn credentials_sent_to_authenticate_are_not_leaks_and_in_a_url_they_are() {
    let src = "import requests\ndef f(configuration, api_key):\n    requests.post(url, auth=(user, configuration.password))\n    requests.get(url, headers={\"Authorization\": api_key})\n    requests.get(f\"https://api.x.io/v1?key={api_key}\")\n";
    let r = scan("app/client.py", src);
    let lines: Vec<usize> = r.findings.iter().map(|f| f.line).collect();
    assert_eq!(lines, [5], "{:?}", r.findings);
}

#[test]
fn an_apps_own_key_goes_to_its_vendor_and_a_persons_email_is_reported() {
    let src = "import stripe\ndef f(api_key, customer):\n    stripe.Customer.create(api_key=api_key, email=customer.email)\n";
    let r = scan("app/pay.py", src);
    assert_eq!(rules(&r), [("pii/flow/third-party", Action::Block)]);
    assert!(r.findings[0].reason.contains("customer.email"));
}

#[test]
fn ids_named_token_and_error_codes_do_not_block() {
    let src = "def f(checkout, transaction_item, session):\n    raise NonExistingCheckout(checkout.token)\n    logger.info(\"%s\", transaction_item.token)\n    raise ValidationError(code=AccountErrorCode.JWT_INVALID_TOKEN.value)\n    logger.info(\"%s\", session.token)\n";
    let r = scan("app/checkout.py", src);
    assert_eq!(
        rules(&r),
        [("pii/flow/logger", Action::Block)],
        "{:?}",
        r.findings
    );
    assert_eq!(r.findings[0].line, 5);
}

#[test]
fn a_response_is_not_the_password_that_fetched_it() {
    let src = "def f(config, logger):\n    auth = HTTPBasicAuth(config.username, config.password)\n    response = HTTPClient.send_request(\"POST\", url, auth=auth)\n    logger.exception(\"errors %s\", response)\n    logger.exception(\"auth %s\", auth)\n";
    let r = scan("app/tax.py", src);
    let lines: Vec<usize> = r.findings.iter().map(|f| f.line).collect();
    assert_eq!(lines, [5], "{:?}", r.findings);
}

#[test]
fn a_field_belongs_to_the_object_right_before_it() {
    let src = "def f(user):\n    print(user.org.name)\n    print(user.name)\n";
    let lines: Vec<usize> = scan("app/cli.py", src)
        .findings
        .iter()
        .map(|f| f.line)
        .collect();
    assert_eq!(lines, [3]);
}
