//! Words in names: splitting `camelCase`, `PascalCase`, `snake_case` and `kebab-case` names
//! into words, the past-tense heuristic for event names, the personal-data word list, and the
//! naming conventions.
//!
//! Everything here is a heuristic over English identifiers and says so: the past-tense check
//! knows regular `-ed` forms and a list of irregular participles, not the whole language, and
//! the personal-data list matches whole words, not substrings (so `tokenizer` and `phoneme`
//! are not flagged, but neither is `customerSsnHash` in a form we did not foresee).

/// Splits a name into words: at `_`, `-`, `.`, spaces and other punctuation, at a lowercase
/// letter or digit followed by an uppercase one (`orderId`), at the last capital of an acronym
/// followed by a lowercase letter (`IPAddress` is `IP`, `Address`), and between letters and
/// digits (`address2`). Case is kept.
pub(crate) fn split(name: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let chars: Vec<(usize, char)> = name.char_indices().collect();
    let mut start: Option<usize> = None;
    for (i, &(at, c)) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if let Some(s) = start.take() {
                words.push(&name[s..at]);
            }
            continue;
        }
        let Some(s) = start else {
            start = Some(at);
            continue;
        };
        let prev = chars[i - 1].1;
        let next = chars.get(i + 1).map(|&(_, n)| n);
        let boundary = (c.is_uppercase() && (prev.is_lowercase() || prev.is_ascii_digit()))
            || (c.is_uppercase() && prev.is_uppercase() && next.is_some_and(char::is_lowercase))
            || (c.is_ascii_digit() != prev.is_ascii_digit());
        if boundary {
            words.push(&name[s..at]);
            start = Some(at);
        }
    }
    if let Some(s) = start {
        words.push(&name[s..]);
    }
    words
}

/// A name compared without case or separators: `event_id`, `eventId` and `EventID` are equal.
pub(crate) fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Event names

/// Irregular past participles (and regular ones whose `-ed` ending the suffix test would miss),
/// lowercase. Prefixed forms (`rebuilt`, `withheld`, `undone`) are found by stripping prefixes.
const IRREGULAR: &[&str] = &[
    "arisen",
    "awoken",
    "been",
    "begun",
    "bent",
    "bid",
    "bitten",
    "blown",
    "born",
    "borne",
    "bought",
    "bound",
    "bred",
    "broadcast",
    "broken",
    "brought",
    "built",
    "burnt",
    "cast",
    "caught",
    "chosen",
    "come",
    "cost",
    "cut",
    "dealt",
    "done",
    "drawn",
    "driven",
    "dug",
    "dwelt",
    "eaten",
    "fallen",
    "fed",
    "felt",
    "fled",
    "flown",
    "forbidden",
    "forecast",
    "forgiven",
    "forgotten",
    "frozen",
    "found",
    "fought",
    "given",
    "gone",
    "got",
    "gotten",
    "ground",
    "grown",
    "held",
    "hidden",
    "hit",
    "hung",
    "hurt",
    "kept",
    "known",
    "laid",
    "led",
    "left",
    "lent",
    "let",
    "lit",
    "lost",
    "made",
    "meant",
    "met",
    "paid",
    "proven",
    "put",
    "quit",
    "read",
    "ridden",
    "risen",
    "run",
    "said",
    "sat",
    "seen",
    "sent",
    "set",
    "shaken",
    "shed",
    "shown",
    "shut",
    "slept",
    "slid",
    "sold",
    "sought",
    "spent",
    "spoken",
    "sped",
    "split",
    "spread",
    "spun",
    "stolen",
    "stood",
    "struck",
    "stuck",
    "sung",
    "sunk",
    "swept",
    "sworn",
    "swung",
    "taken",
    "taught",
    "thought",
    "thrown",
    "told",
    "torn",
    "understood",
    "wed",
    "woken",
    "won",
    "worn",
    "wound",
    "written",
];

/// Prefixes that keep a participle a participle: `rebuilt`, `prepaid`, `withheld`.
const PREFIXES: &[&str] = &[
    "re", "pre", "un", "over", "under", "out", "mis", "with", "up", "down", "co", "de", "dis",
    "sub", "fore",
];

/// Words ending in `-ed` that are not participles. Words ending in `-eed` are handled apart:
/// only the few in [`EED_PARTICIPLES`] are participles (`agreed`), the rest are not (`feed`,
/// `proceed`, `exceed`).
const NOT_PARTICIPLES: &[&str] = &[
    "bed", "biped", "embed", "hatred", "hundred", "infrared", "kindred", "naked", "red", "sacred",
    "shred", "sled", "wicked",
];

const EED_PARTICIPLES: &[&str] = &[
    "agreed",
    "decreed",
    "disagreed",
    "freed",
    "guaranteed",
    "refereed",
];

/// Words that end a phrasal verb and follow the participle: `UserSignedUp`, `SessionTimedOut`.
const PARTICLES: &[&str] = &[
    "up", "in", "out", "off", "down", "over", "back", "on", "away", "through",
];

/// Verbs that, first in a name, make it read as a command: `PlaceOrder`, `ProcessPaymentNow`.
/// Many are nouns too (`Charge`, `Transfer`); that is harmless here, because this list only
/// chooses the message for a name whose last word is already not a participle.
const IMPERATIVES: &[&str] = &[
    "activate",
    "add",
    "allocate",
    "apply",
    "approve",
    "archive",
    "assign",
    "authorize",
    "block",
    "book",
    "build",
    "buy",
    "calculate",
    "cancel",
    "capture",
    "change",
    "charge",
    "check",
    "close",
    "complete",
    "compute",
    "confirm",
    "convert",
    "create",
    "deactivate",
    "delete",
    "deliver",
    "deploy",
    "disable",
    "dispatch",
    "do",
    "download",
    "edit",
    "emit",
    "enable",
    "execute",
    "export",
    "fetch",
    "generate",
    "get",
    "grant",
    "handle",
    "import",
    "invite",
    "invoke",
    "issue",
    "load",
    "lock",
    "make",
    "mark",
    "merge",
    "modify",
    "move",
    "notify",
    "open",
    "pay",
    "perform",
    "place",
    "prepare",
    "process",
    "publish",
    "purchase",
    "put",
    "refund",
    "register",
    "reject",
    "release",
    "remove",
    "renew",
    "request",
    "reserve",
    "reset",
    "restore",
    "resume",
    "retry",
    "revoke",
    "run",
    "save",
    "schedule",
    "sell",
    "send",
    "set",
    "ship",
    "start",
    "stop",
    "store",
    "submit",
    "subscribe",
    "suspend",
    "sync",
    "transfer",
    "trigger",
    "unlock",
    "unsubscribe",
    "update",
    "upload",
    "validate",
    "verify",
];

/// Whether a word is a past participle, by the heuristic described on [`event_name`].
pub(crate) fn is_participle(word: &str) -> bool {
    let lower = word.to_lowercase();
    if IRREGULAR.contains(&lower.as_str()) {
        return true;
    }
    let prefixed = PREFIXES.iter().any(|prefix| {
        lower
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.len() >= 3 && IRREGULAR.contains(&rest))
    });
    if prefixed {
        return true;
    }
    if lower.ends_with("eed") {
        return EED_PARTICIPLES.contains(&lower.as_str());
    }
    lower.len() > 3 && lower.ends_with("ed") && !NOT_PARTICIPLES.contains(&lower.as_str())
}

/// What the past-tense heuristic makes of an event name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tense {
    /// The name ends in a past participle: `OrderPlaced`, `PaymentSent`, `UserSignedUp`.
    Past,
    /// The name starts with an imperative verb and does not end in a participle:
    /// `PlaceOrder`, `ProcessPaymentNow`. Carries the verb.
    Command(String),
    /// The name ends in some other word: `OrderCreation`, `Customer`. Carries that word.
    Other(String),
}

/// The past-tense heuristic for an event name. The name is split into words; a trailing
/// `Event` and a version suffix (`V2`) are ignored, and so is a trailing particle of a phrasal
/// verb (`SignedUp`). The name is a fact when its last word is a past participle: a regular
/// `-ed` form (except a short list of words such as `Embed`, and `-eed` words such as `Feed`
/// or `Proceed`), or a known irregular participle (`Sent`, `Built`, `Paid`, `Held`, `Made`,
/// `Taken`, `Given`...), possibly prefixed (`Rebuilt`, `Withheld`).
///
/// Limits: an adjective or noun ending in `-ed` passes (`OrderRelated`), an irregular
/// participle missing from the list is flagged, and so is a fact named by a state rather than
/// a verb (`ItemBackInStock`); turn the rule off for such a subject.
pub(crate) fn event_name(name: &str) -> Tense {
    let mut words = split(name);
    // A version suffix splits into `V` and digits.
    while let Some(last) = words.last() {
        let drop = last.chars().all(|c| c.is_ascii_digit())
            || last.eq_ignore_ascii_case("v")
            || last.eq_ignore_ascii_case("event")
            || last.eq_ignore_ascii_case("evt");
        if drop && words.len() > 1 {
            words.pop();
        } else {
            break;
        }
    }
    if words.len() > 1
        && words
            .last()
            .is_some_and(|w| PARTICLES.contains(&w.to_lowercase().as_str()))
    {
        words.pop();
    }
    let Some(last) = words.last() else {
        return Tense::Other(name.to_string());
    };
    if is_participle(last) {
        return Tense::Past;
    }
    match words.first() {
        Some(first) if IMPERATIVES.contains(&first.to_lowercase().as_str()) => {
            Tense::Command((*first).to_string())
        }
        _ => Tense::Other((*last).to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Personal data

/// What a personal-data match is: a label for the message, and the word sequences (lowercase,
/// whole words, contiguous) that signal it. The last word of a sequence also matches its plural
/// (`emails`, `addresses`).
const PERSONAL: &[(&str, &[&[&str]])] = &[
    (
        "an e-mail address",
        &[
            &["email"],
            &["e", "mail"],
            &["emailaddress"],
            &["mail", "address"],
        ],
    ),
    (
        "a phone number",
        &[
            &["phone"],
            &["phonenumber"],
            &["telephone"],
            &["mobile", "number"],
            &["msisdn"],
            &["fax"],
        ],
    ),
    (
        "a person's name",
        &[
            &["first", "name"],
            &["firstname"],
            &["last", "name"],
            &["lastname"],
            &["full", "name"],
            &["fullname"],
            &["given", "name"],
            &["family", "name"],
            &["middle", "name"],
            &["maiden", "name"],
            &["display", "name"],
            &["displayname"],
            &["surname"],
            &["username"],
            &["user", "name"],
        ],
    ),
    (
        "an IP address",
        &[&["ip"], &["ipaddress"], &["ipv4"], &["ipv6"]],
    ),
    (
        "a postal address",
        &[
            &["address"],
            &["street"],
            &["postcode"],
            &["postal", "code"],
            &["postalcode"],
            &["zip", "code"],
            &["zipcode"],
        ],
    ),
    (
        "a date of birth",
        &[
            &["birth", "date"],
            &["birthdate"],
            &["birthday"],
            &["date", "of", "birth"],
            &["dob"],
        ],
    ),
    (
        "a government identifier",
        &[
            &["ssn"],
            &["social", "security"],
            &["passport"],
            &["national", "id"],
            &["tax", "id"],
            &["taxid"],
            &["driver", "license"],
            &["drivers", "license"],
            &["driving", "licence"],
        ],
    ),
    (
        "payment card or bank account data",
        &[
            &["card", "number"],
            &["cardnumber"],
            &["credit", "card"],
            &["creditcard"],
            &["pan"],
            &["cvv"],
            &["cvc"],
            &["iban"],
            &["account", "number"],
            &["bank", "account"],
        ],
    ),
    (
        "a precise location",
        &[&["latitude"], &["longitude"], &["geolocation"]],
    ),
    (
        "a secret",
        &[
            &["password"],
            &["passwd"],
            &["pwd"],
            &["passcode"],
            &["pin"],
            &["otp"],
            &["secret"],
            &["token"],
            &["credential"],
            &["api", "key"],
            &["apikey"],
            &["private", "key"],
            &["privatekey"],
            &["secret", "key"],
            &["access", "key"],
        ],
    ),
];

/// What kind of personal data or secret a field name suggests, if any, matching whole words.
pub(crate) fn personal_data(name: &str) -> Option<&'static str> {
    let words: Vec<String> = split(name).iter().map(|w| w.to_lowercase()).collect();
    for (label, patterns) in PERSONAL {
        for pattern in *patterns {
            if contains_words(&words, pattern) {
                return Some(label);
            }
        }
    }
    None
}

fn contains_words(words: &[String], pattern: &[&str]) -> bool {
    if pattern.is_empty() || pattern.len() > words.len() {
        return false;
    }
    let plural_of = |word: &str, p: &str| {
        word.strip_suffix("es").is_some_and(|stem| stem == p)
            || word.strip_suffix('s').is_some_and(|stem| stem == p)
    };
    words.windows(pattern.len()).any(|window| {
        window
            .iter()
            .zip(pattern)
            .enumerate()
            .all(|(i, (w, p))| w == p || (i + 1 == pattern.len() && plural_of(w, p)))
    })
}

// ---------------------------------------------------------------------------------------------
// Naming conventions

/// A naming convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// `orderId`
    LowerCamel,
    /// `OrderPlaced`
    Pascal,
    /// `order_id`
    LowerSnake,
    /// `PAYMENT_METHOD_CARD`
    UpperSnake,
}

impl Case {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Case::LowerCamel => "lowerCamelCase",
            Case::Pascal => "PascalCase",
            Case::LowerSnake => "lower_snake_case",
            Case::UpperSnake => "UPPER_SNAKE_CASE",
        }
    }

    /// Whether `name` follows the convention. ASCII only: letters and digits, starting with a
    /// letter, `_` only between words of the snake cases.
    pub(crate) fn matches(self, name: &str) -> bool {
        let mut chars = name.chars();
        let Some(first) = chars.next() else {
            return false;
        };
        let rest = chars.as_str();
        match self {
            Case::LowerCamel => {
                first.is_ascii_lowercase() && rest.chars().all(|c| c.is_ascii_alphanumeric())
            }
            Case::Pascal => {
                first.is_ascii_uppercase() && rest.chars().all(|c| c.is_ascii_alphanumeric())
            }
            Case::LowerSnake => {
                first.is_ascii_lowercase()
                    && name.split('_').all(|part| {
                        !part.is_empty()
                            && part
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                    })
            }
            Case::UpperSnake => {
                first.is_ascii_uppercase()
                    && name.split('_').all(|part| {
                        !part.is_empty()
                            && part
                                .chars()
                                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
                    })
            }
        }
    }

    /// `name` rewritten in the convention, from its words.
    pub(crate) fn convert(self, name: &str) -> String {
        let words: Vec<String> = split(name).iter().map(|w| w.to_lowercase()).collect();
        let capitalised = |w: &String| {
            let mut chars = w.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        };
        match self {
            Case::LowerCamel => words
                .iter()
                .enumerate()
                .map(|(i, w)| if i == 0 { w.clone() } else { capitalised(w) })
                .collect(),
            Case::Pascal => words.iter().map(capitalised).collect(),
            Case::LowerSnake => words.join("_"),
            Case::UpperSnake => words.join("_").to_uppercase(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_every_spelling_into_words() {
        assert_eq!(split("orderId"), ["order", "Id"]);
        assert_eq!(split("OrderPlaced"), ["Order", "Placed"]);
        assert_eq!(split("event_id"), ["event", "id"]);
        assert_eq!(split("IPAddress"), ["IP", "Address"]);
        assert_eq!(split("customerIPAddress"), ["customer", "IP", "Address"]);
        assert_eq!(split("address2"), ["address", "2"]);
        assert_eq!(split("OrderPlacedV2"), ["Order", "Placed", "V", "2"]);
        assert_eq!(split("User signed up"), ["User", "signed", "up"]);
        assert_eq!(split("x-personal-data"), ["x", "personal", "data"]);
        assert_eq!(split("__"), Vec::<&str>::new());
        assert_eq!(split("ÄrgerGemeldet"), ["Ärger", "Gemeldet"]);
    }

    #[test]
    fn squash_ignores_case_and_separators() {
        assert_eq!(squash("event_id"), squash("eventId"));
        assert_eq!(squash("EventID"), "eventid");
        assert_eq!(squash("trace-parent"), "traceparent");
    }

    #[test]
    fn facts_pass_and_commands_do_not() {
        for fact in [
            "OrderPlaced",
            "PaymentCaptured",
            "PaymentSent",
            "InvoicePaid",
            "StockHeld",
            "ReportBuilt",
            "ReportRebuilt",
            "TaxWithheld",
            "UserSignedUp",
            "SessionTimedOut",
            "OrderPlacedEvent",
            "OrderPlacedV2",
            "ContractAgreed",
            "User signed up",
            "Placed",
        ] {
            assert_eq!(event_name(fact), Tense::Past, "{fact}");
        }
        assert_eq!(event_name("PlaceOrder"), Tense::Command("Place".into()));
        assert_eq!(
            event_name("ProcessPaymentNow"),
            Tense::Command("Process".into())
        );
        assert_eq!(event_name("OrderCreation"), Tense::Other("Creation".into()));
        assert_eq!(event_name("DataFeed"), Tense::Other("Feed".into()));
        assert_eq!(event_name("ThresholdExceed"), Tense::Other("Exceed".into()));
        assert_eq!(event_name("ImageEmbed"), Tense::Other("Embed".into()));
        assert_eq!(event_name("Event"), Tense::Other("Event".into()));
        assert_eq!(event_name(""), Tense::Other(String::new()));
    }

    #[test]
    fn personal_data_matches_whole_words() {
        assert_eq!(personal_data("email"), Some("an e-mail address"));
        assert_eq!(personal_data("customerEmail"), Some("an e-mail address"));
        assert_eq!(personal_data("backup_emails"), Some("an e-mail address"));
        assert_eq!(personal_data("phoneNumber"), Some("a phone number"));
        assert_eq!(
            personal_data("card_number"),
            Some("payment card or bank account data")
        );
        assert_eq!(
            personal_data("cardNumber"),
            Some("payment card or bank account data")
        );
        assert_eq!(personal_data("password"), Some("a secret"));
        assert_eq!(personal_data("refreshToken"), Some("a secret"));
        assert_eq!(personal_data("clientIPAddress"), Some("an IP address"));
        assert_eq!(personal_data("shippingAddresses"), Some("a postal address"));
        assert_eq!(personal_data("dateOfBirth"), Some("a date of birth"));
        assert_eq!(personal_data("tokenizer"), None);
        assert_eq!(personal_data("phoneme"), None);
        assert_eq!(personal_data("cardBrand"), None);
        assert_eq!(personal_data("productName"), None);
        assert_eq!(personal_data("pinned"), None);
        assert_eq!(personal_data("customerId"), None);
        assert_eq!(personal_data("shipping"), None);
    }

    #[test]
    fn cases_match_and_convert() {
        assert!(Case::LowerCamel.matches("orderId"));
        assert!(!Case::LowerCamel.matches("order_id"));
        assert!(!Case::LowerCamel.matches("OrderId"));
        assert!(Case::Pascal.matches("OrderPlaced"));
        assert!(!Case::Pascal.matches("orderPlaced"));
        assert!(Case::LowerSnake.matches("order_id2"));
        assert!(!Case::LowerSnake.matches("order__id"));
        assert!(!Case::LowerSnake.matches("order_id_"));
        assert!(!Case::LowerSnake.matches("orderId"));
        assert!(Case::UpperSnake.matches("PAYMENT_METHOD_CARD"));
        assert!(!Case::UpperSnake.matches("Card"));
        assert!(!Case::Pascal.matches(""));
        assert_eq!(Case::LowerCamel.convert("Order_ID"), "orderId");
        assert_eq!(Case::LowerSnake.convert("orderId"), "order_id");
        assert_eq!(Case::Pascal.convert("order_line"), "OrderLine");
        assert_eq!(Case::UpperSnake.convert("mobileApp"), "MOBILE_APP");
    }
}
