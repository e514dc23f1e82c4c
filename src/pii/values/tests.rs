//! Tests of the value detectors, through [`super::scan`].

use super::*;

fn found(text: &str) -> Vec<(Entity, &str)> {
    let o = Options {
        ip_private: true,
        only: vec![],
    };
    scan(text, &o)
        .into_iter()
        .map(|h| (h.entity, &text[h.start..h.end]))
        .collect()
}

#[test]
fn validated_values_are_found_and_invalid_ones_are_not() {
    assert_eq!(
        found("mail jane.doe@corp.io now"),
        [(Entity::Email, "jane.doe@corp.io")]
    );
    assert_eq!(
        found("card 4012-8888-8888-1881"),
        [(Entity::CreditCard, "4012-8888-8888-1881")]
    );
    assert!(found("card 4012-8888-8888-1882").is_empty(), "Luhn fails");
    assert_eq!(
        found("GB82 WEST 1234 5698 7654 32"),
        [(Entity::Iban, "GB82 WEST 1234 5698 7654 32")]
    );
    assert!(
        found("GB82 WEST 1234 5698 7654 33").is_empty(),
        "mod 97 fails"
    );
    assert_eq!(found("ssn 078-05-1123"), [(Entity::UsSsn, "078-05-1123")]);
    assert!(
        found("ssn 666-05-1123")
            .iter()
            .all(|h| h.0 != Entity::UsSsn),
        "{:?}",
        found("ssn 666-05-1123")
    );
    assert_eq!(found("host 8.8.8.8"), [(Entity::IpAddress, "8.8.8.8")]);
    assert!(found("version 1.2.3.4.5").is_empty());
    assert_eq!(found("NHS 401 023 2137"), [(Entity::UkNhs, "401 023 2137")]);
    assert_eq!(
        found("call +44 20 7946 0958"),
        [(Entity::Phone, "+44 20 7946 0958")]
    );
    assert!(
        found("id 1234567").is_empty(),
        "a bare digit run is not a phone"
    );
}

#[test]
fn test_values_are_marked_and_private_ips_are_off_by_default() {
    let h = scan("a@example.com 4111111111111111", &Options::default());
    assert_eq!(h.len(), 2);
    assert!(h.iter().all(|h| h.test_value && h.confidence <= 0.3));
    assert!(scan("10.0.0.1 and 192.168.1.1", &Options::default()).is_empty());
}

proptest::proptest! {
    #[test]
    fn phone_windows_find_what_every_digit_span_finds(
        parts in proptest::collection::vec(proptest::sample::select(vec![
            "0", "1", "2", "20", "44", "555", "7946", "0958", "123", "4567", "89", "2024",
            " ", " ", "-", ".", "(", ")", "+", "/", ":", " x12", " ext. 3", "tel ", "call ",
            "phone: ", "a", "_", "\n", " Street", "12.5", "fax",
        ]), 1..40),
    ) {
        let text: String = parts.concat();
        let spans = digit_spans(&text);
        let (mut all, mut long) = (Vec::new(), Vec::new());
        phone(&text, &widen(&text, spans.iter().copied(), 40, 24), &mut all);
        phone(&text, &phone_windows(&text, &spans), &mut long);
        let at = |h: &[Hit]| h.iter().map(|h| (h.start, h.end, h.confidence.to_bits())).collect::<Vec<_>>();
        proptest::prop_assert_eq!(at(&all), at(&long), "{:?}", text);
    }
}

#[test]
fn checksums() {
    assert!(luhn(&digits("79927398713")));
    assert!(!luhn(&digits("79927398710")));
    assert!(iban_valid("DE89370400440532013000"));
}
