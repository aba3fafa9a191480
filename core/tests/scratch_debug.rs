use synchro_core::ical::{self, vcal};
#[test]
fn scratch() {
    let path = std::env::var("F").unwrap();
    let data = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&data).to_string();
    match std::env::var("MODE").unwrap().as_str() {
        "rt" => {
            let a = ical::parse_calendar(&text).unwrap();
            let w = ical::write_calendar(&a);
            for l in w.lines() {
                if l.to_ascii_uppercase().starts_with("END")
                    || l.to_ascii_uppercase().starts_with("BEGIN")
                {
                    println!("W {l:?}");
                }
            }
            let b = ical::parse_calendar(&w).unwrap();
            fn walk(a: &ical::Component, b: &ical::Component, path: String) {
                if a.name != b.name {
                    println!("{path}: name {} vs {}", a.name, b.name);
                }
                if a.properties != b.properties {
                    for (i, (x, y)) in a.properties.iter().zip(b.properties.iter()).enumerate() {
                        if x != y {
                            println!("{path}/{}#{i}: {:?}\n   vs {:?}", a.name, x, y);
                        }
                    }
                    if a.properties.len() != b.properties.len() {
                        println!(
                            "{path}: prop count {} vs {}",
                            a.properties.len(),
                            b.properties.len()
                        );
                    }
                }
                for (x, y) in a.components.iter().zip(b.components.iter()) {
                    walk(x, y, format!("{path}/{}", a.name));
                }
                if a.components.len() != b.components.len() {
                    println!("{path}: comp count");
                }
            }
            walk(&a, &b, String::new());
        }
        _ => {
            let ics = vcal::vcal_to_ical(&text).unwrap();
            println!("{ics}");
            println!("{:?}", ical::parse_calendar(&ics));
        }
    }
}
