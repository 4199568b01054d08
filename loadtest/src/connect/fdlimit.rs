//! Raising this process's open-file limit (RLIMIT_NOFILE) so it can hold
//! tens of thousands of sockets.

use crate::Error;

fn get() -> Result<libc::rlimit, Error> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct we pass, which we own.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    Ok(lim)
}

fn set(lim: &libc::rlimit) -> bool {
    // SAFETY: setrlimit only reads the struct we pass.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, lim) == 0 }
}

/// Raises the soft limit to at least `wanted` (and the hard limit too when
/// allowed); returns the soft limit in force afterwards.
pub fn raise_nofile(wanted: u64) -> Result<u64, Error> {
    let lim = get()?;
    let wanted = wanted as libc::rlim_t;
    if lim.rlim_cur >= wanted {
        return Ok(lim.rlim_cur);
    }
    // Raising the hard limit needs privileges; fall back to the hard limit.
    if !set(&libc::rlimit {
        rlim_cur: wanted,
        rlim_max: lim.rlim_max.max(wanted),
    }) {
        // Keeps the old limit if even this fails.
        let _ = set(&libc::rlimit {
            rlim_cur: wanted.min(lim.rlim_max),
            rlim_max: lim.rlim_max,
        });
    }
    Ok(get()?.rlim_cur)
}
