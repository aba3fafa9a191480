//! `uniffi-bindgen`: generates the Kotlin, Swift and Python sources of `synchro-ffi` from its
//! built library (`scripts/bindings.sh` runs it).

fn main() {
    uniffi::uniffi_bindgen_main()
}
