// libcurl, opened by the process itself instead of at start-up: Debian's libcurl brings ~30 libraries
// (TLS, Kerberos, LDAP, SSH, ...) whose loading and constructors cost ~4.5 ms before main runs. The
// runtime starts loading it on a thread of its own first thing, while the rest of its start-up (the
// environment, the function catalog, the model) goes on, and waits for it only at its first request.
#pragma once

/// Starts loading libcurl (and its global initialisation) on a background thread; a curl call made
/// before that is done waits for it. Calling it again does nothing.
void vl_curl_preload(void);

/// Loads libcurl now if it is not loaded yet. Returns NULL on success, otherwise why not.
const char *vl_curl_load(void);
