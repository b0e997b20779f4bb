// Anchor translation unit for the shared test precompiled header.
