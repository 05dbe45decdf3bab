import ConfigLoading
import Foundation
import XSellCore

/// Paths and configuration the runtime unit tests share.
enum RuntimeFixtures {
    /// The package root (this file is `Tests/RuntimeTests/…`).
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// config/cross-sell.yaml, the tutorial's configuration.
    static var tutorialConfigPath: String { root + "/config/cross-sell.yaml" }

    /// The tutorial's configuration, loaded.
    static func tutorialConfig() throws -> XSellConfig { try ConfigLoader.load(path: tutorialConfigPath) }
}
