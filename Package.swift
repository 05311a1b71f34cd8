// swift-tools-version:6.0
// upx: log in to the Upstox API from a Linux shell, keep the token in the kernel keyring.
import PackageDescription

let tools = ["upx-totp", "upx-login", "upx-jwt", "upx-perm"]

let package = Package(
    name: "upx",
    products: tools.map { .executable(name: $0, targets: [$0]) },
    targets: [
        .systemLibrary(name: "CKeyutils", path: "Sources/CKeyutils"),
        // A C target, not a system library: it loads libcurl at run time (see its header).
        .target(name: "CCurl"),
        .systemLibrary(name: "CCrypto", path: "Sources/CCrypto"),
        .systemLibrary(name: "CSystem", path: "Sources/CSystem"),
        .target(
            name: "UpxCore",
            dependencies: ["CKeyutils", "CCurl", "CCrypto", "CSystem"]
        ),
    ] + tools.map { .executableTarget(name: $0, dependencies: ["UpxCore"]) } + [
        .testTarget(name: "UpxCoreTests", dependencies: ["UpxCore"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["UpxCore"] + tools.map { .target(name: $0) }
        ),
    ]
)
