// Both languages have every text, with the same placeholders.
import XCTest
@testable import SynchroKit

final class StringsTests: XCTestCase {
    func testEveryKeyInBothLanguagesWithTheSamePlaceholders() {
        let en = Strings.table(.en)
        let fr = Strings.table(.fr)
        for key in TextKey.allCases {
            let e = en[key]
            let f = fr[key]
            XCTAssertNotNil(e, "english lacks \(key)")
            XCTAssertNotNil(f, "french lacks \(key)")
            XCTAssertFalse(e?.isEmpty ?? true, "\(key)")
            XCTAssertEqual(
                Strings.placeholders(e ?? ""), Strings.placeholders(f ?? ""), "placeholders of \(key)")
        }
        XCTAssertEqual(en.count, TextKey.allCases.count)
        XCTAssertEqual(fr.count, TextKey.allCases.count)
    }

    func testTheButtonAndPlaceholderFilling() {
        XCTAssertEqual(Strings(.fr).text(.syncButton), "Synchroniser")
        XCTAssertEqual(Strings(.en).text(.syncButton), "Synchronise")
        XCTAssertEqual(
            Strings(.fr).text(.setupFound, ["count": "3"]),
            "3 calendriers trouvés. Cochez ceux à synchroniser.")
        XCTAssertEqual(Strings.placeholders("{a} and {b}{a}"), ["a", "b"])
    }
}
