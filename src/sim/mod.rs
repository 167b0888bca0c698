//! A local LowCodeAPI/Pictory simulator (feature `simulator`). Work in progress.
