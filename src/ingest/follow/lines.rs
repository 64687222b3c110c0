//! Where whole lines end in bytes that are still arriving, and a chunk's line
//! numbers turned into the file's.

/// Bytes up to the end of the `n`-th complete line (or of the last one, when fewer); 0 when none is complete.
pub(super) fn complete_lines(bytes: &[u8], n: usize) -> usize {
    if n == usize::MAX {
        return memchr::memrchr(b'\n', bytes).map_or(0, |i| i + 1);
    }
    let mut end = 0;
    for (k, i) in memchr::memchr_iter(b'\n', bytes).enumerate() {
        end = i + 1;
        if k + 1 == n {
            return end;
        }
    }
    if n == 1 {
        end
    } else {
        0
    }
}

/// `line 3…` of a chunk, as the file's line: `line 3+shift…`.
pub(super) fn shift_line(location: &str, shift: usize) -> String {
    let Some(rest) = location.strip_prefix("line ") else { return location.to_string() };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    match rest[..digits].parse::<usize>() {
        Ok(n) => format!("line {}{}", n + shift, &rest[digits..]),
        Err(_) => location.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_whole_lines_count() {
        assert_eq!(complete_lines(b"a\nb\nc", usize::MAX), 4);
        assert_eq!(complete_lines(b"a\nb\nc", 2), 4);
        assert_eq!(complete_lines(b"a\nb", 2), 0);
        assert_eq!(complete_lines(b"a\nb", 1), 2);
        assert_eq!(complete_lines(b"ab", 1), 0);
    }

    #[test]
    fn chunk_line_numbers_shift_to_the_file() {
        assert_eq!(shift_line("line 3, column 2", 10), "line 13, column 2");
        assert_eq!(shift_line("byte 40", 10), "byte 40");
    }
}
