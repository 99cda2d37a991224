using Microsoft.AspNetCore.Identity;

namespace NpcEcrf.Api.Identity;

/// <summary>ASP.NET Core Identity's hasher (PBKDF2), without the rest of Identity.</summary>
public static class Passwords
{
    private static readonly PasswordHasher<string> Hasher = new();
    public const int MinimumLength = 10;

    public static string Hash(string password) => Hasher.HashPassword("", password);

    public static bool Verify(UserAccount account, string password) =>
        Hasher.VerifyHashedPassword("", account.PasswordHash, password) != PasswordVerificationResult.Failed;
}
