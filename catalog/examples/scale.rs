//! Generates a catalog of many synthetic events and reports how long it took and how big the
//! largest page is, to show that no page grows with the number of events.
//!
//! usage: cargo run -p stele-catalog --example scale -- [EVENTS] [OUT_DIR]
//! (defaults: 10000 events, a temporary directory that is removed afterwards)
//!
//! Each event is an Avro record of a dozen fields with two versions (the second adds an
//! optional field), spread over 40 domains, 120 owners, 300 applications and all three
//! formats' worth of names; every tenth event references a shared type. The model is built
//! with the engine exactly as `stele catalog` builds it (parse, outline, diff, check), then
//! the site and `asyncapi.yaml` are written.

use std::time::Instant;

use stele_catalog::{
    Application, Catalog, DirSink, Event, Server, Version, generate, link_references,
};
use stele_engine::{Dependency, Format, Level, ParseOptions, Schema};

const SHARED: &str = r#"{"type":"record","name":"Envelope","namespace":"bench.common","doc":"Shared metadata.","fields":[{"name":"eventId","type":"string","doc":"Unique id."},{"name":"occurredAt","type":{"type":"long","logicalType":"timestamp-millis"},"doc":"When it happened."}]}"#;

fn schema(n: usize, version: usize, with_envelope: bool) -> String {
    let mut fields = Vec::new();
    if with_envelope {
        fields.push(
            r#"{"name":"envelope","type":"bench.common.Envelope","doc":"Metadata."}"#.to_string(),
        );
    }
    for f in 0..12 {
        let ty = [
            "string",
            "long",
            "int",
            "double",
            "boolean",
            r#"["null","string"]"#,
        ][f % 6];
        let default = if f % 6 == 5 { r#","default":null"# } else { "" };
        fields.push(format!(
            r#"{{"name":"field{f}","type":{ty_json}{default},"doc":"Field {f} of event {n}: what it holds and why."}}"#,
            ty_json = if ty.starts_with('[') { ty.to_string() } else { format!("\"{ty}\"") },
        ));
    }
    fields.push(format!(
        r#"{{"name":"status","type":{{"type":"enum","name":"Status{n}","symbols":["NEW","DONE"]}},"doc":"Status."}}"#
    ));
    if version >= 2 {
        fields.push(r#"{"name":"note","type":["null","string"],"default":null,"doc":"Added in version 2."}"#.to_string());
    }
    format!(
        r#"{{"type":"record","name":"Event{n}","namespace":"bench.domain{d}","doc":"Synthetic event {n} for the catalog benchmark.","fields":[{fields}]}}"#,
        d = n % 40,
        fields = fields.join(",")
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let count: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(10_000);
    let out = args.next();
    let temp = tempfile::tempdir()?;
    let dir = out.map_or_else(|| temp.path().to_path_buf(), std::path::PathBuf::from);

    let started = Instant::now();
    let deps = vec![Dependency::new("bench.common.Envelope", SHARED)];
    let mut events = Vec::with_capacity(count + 1);
    let shared = Schema::parse(Format::Avro, SHARED, &[], ParseOptions::default())?;
    events.push(event(
        "bench.common.Envelope".into(),
        None,
        Version::build(vec![(1, Some(1), SHARED.to_string(), shared)]),
        Vec::new(),
        0,
    ));
    for n in 0..count {
        let with_envelope = n % 10 == 0;
        let used: &[Dependency] = if with_envelope { &deps } else { &[] };
        let mut inputs = Vec::new();
        for version in 1..=2 {
            let text = schema(n, version, with_envelope);
            let parsed = Schema::parse(Format::Avro, &text, used, ParseOptions::default())?;
            let id = i64::try_from(n * 2 + version + 1)?;
            inputs.push((i32::try_from(version)?, Some(id), text, parsed));
        }
        let references = if with_envelope {
            vec!["bench.common.Envelope".to_string()]
        } else {
            Vec::new()
        };
        events.push(event(
            format!("bench.domain{}.event-{n}-value", n % 40),
            Some(format!("bench.domain{}.event-{n}", n % 40)),
            Version::build(inputs),
            references,
            n,
        ));
    }
    link_references(&mut events);
    let built = started.elapsed();
    let catalog = Catalog {
        name: "bench".into(),
        version: "1.0.0".into(),
        description: Some(format!("{count} synthetic events.")),
        servers: vec![Server {
            name: "bench".into(),
            host: "localhost:9092".into(),
            protocol: "kafka".into(),
            description: None,
        }],
        applications: (0..300)
            .map(|a| Application {
                name: format!("app-{a}"),
                description: Some(format!("Synthetic application {a}.")),
                owner: Some(format!("team-{}", a % 120)),
            })
            .collect(),
        events,
        producers_known: true,
        source: "the scale example".into(),
    };
    let started = Instant::now();
    let stats = generate(&catalog, &mut DirSink::new(&dir))?;
    let written = started.elapsed();
    println!("events: {count}");
    println!(
        "model (parse, outline, diff, check): {:.2} s",
        built.as_secs_f64()
    );
    println!(
        "generate and write {} files ({:.1} MB): {:.2} s",
        stats.files,
        stats.bytes as f64 / 1e6,
        written.as_secs_f64()
    );
    println!(
        "largest HTML page: {} ({} bytes)",
        stats.largest_page.0, stats.largest_page.1
    );
    println!(
        "largest file: {} ({} bytes)",
        stats.largest_file.0, stats.largest_file.1
    );
    Ok(())
}

fn event(
    subject: String,
    topic: Option<String>,
    versions: Vec<Version>,
    references: Vec<String>,
    n: usize,
) -> Event {
    Event {
        record: versions
            .last()
            .map(|v| v.outline.name.clone())
            .unwrap_or_default(),
        subject,
        topic,
        key: false,
        format: Format::Avro,
        level: Level::BACKWARD,
        description: None,
        owner: Some(format!("team-{}", n % 120)),
        domain: Some(format!("domain{}", n % 40)),
        producers: vec![format!("app-{}", n % 300)],
        consumers: vec![
            format!("app-{}", (n + 7) % 300),
            format!("app-{}", (n + 13) % 300),
        ],
        references,
        referenced_by: Vec::new(),
        versions,
    }
}
