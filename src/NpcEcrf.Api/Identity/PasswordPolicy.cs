namespace NpcEcrf.Api.Identity;

/// <summary>What a new password must be. One pure function, so every path that sets a password applies the same rules.</summary>
public static class PasswordPolicy
{
    public const int MinimumLength = 12;
    public const int MaximumLength = 128;

    // The passwords people pick first; a list of the obvious, not a breach corpus.
    private static readonly HashSet<string> Common = new(StringComparer.OrdinalIgnoreCase)
    {
        "password12", "password123", "password1234", "password12345", "passw0rd1234", "p@ssw0rd1234", "123456789012", "1234567890123",
        "12345678901234", "qwertyuiop12", "qwertyuiop123", "qwerty123456", "1q2w3e4r5t6y", "abc123456789", "abcdefghijkl", "letmein12345",
        "iloveyou1234", "welcome12345", "welcome123456", "changeme1234", "changeme12345", "admin1234567", "administrator", "trustno1trustno1",
        "monkey123456", "dragon123456", "football1234", "baseball1234", "sunshine1234", "princess1234", "qazwsxedcrfv", "asdfghjkl123",
    };

    /// <summary>Every rule the password breaks (empty when it is acceptable). currentHash: the account's present password, if any.</summary>
    public static IReadOnlyList<string> Check(string? password, string? username, string? currentHash)
    {
        password ??= "";
        var problems = new List<string>();
        if (password.Length < MinimumLength) problems.Add($"Passwords have at least {MinimumLength} characters.");
        if (password.Length > MaximumLength) problems.Add($"Passwords have at most {MaximumLength} characters.");
        if (password.Any(char.IsControl)) problems.Add("Passwords may not contain control characters.");
        if (password.Length > 0 && password.Distinct().Count() == 1) problems.Add("A password may not be one character repeated.");
        if (Common.Contains(password)) problems.Add("That password is too common.");
        if (!string.IsNullOrWhiteSpace(username) && password.Contains(username.Trim(), StringComparison.OrdinalIgnoreCase))
            problems.Add("A password may not contain the username.");
        // Hashing is the slow part; only a password that passes everything else is compared with the current one.
        if (problems.Count == 0 && currentHash is not null && Passwords.Matches(currentHash, password))
            problems.Add("The new password must differ from the current one.");
        return problems;
    }
}
