using Microsoft.AspNetCore.Identity;
using Npgsql;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Identity;

/// <summary>
/// An account's password hash, a document of its own (id = the account's stream id), written in the same
/// transaction as the event that says a password was set. Events, and so the audit trail, never carry it.
/// </summary>
public sealed record PasswordCredential(Guid Id, string Hash);

/// <summary>ASP.NET Core Identity's hasher (PBKDF2), without the rest of Identity.</summary>
public static class Passwords
{
    private static readonly PasswordHasher<string> Hasher = new();

    // Checking a missing account against this costs what a real check costs, so timing does not tell which usernames exist.
    private static readonly string NoAccountHash = Hasher.HashPassword("", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)));

    public static string Hash(string password) => Hasher.HashPassword("", password);

    public static PasswordCredential Credential(Guid accountId, string password) => new(accountId, Hash(password));

    /// <summary>Does the password match the hash? A null hash (no account) always fails, after the same work.</summary>
    public static bool Matches(string? hash, string password) =>
        Hasher.VerifyHashedPassword("", hash ?? NoAccountHash, password) != PasswordVerificationResult.Failed && hash is not null;
}

/// <summary>Reads password hashes: the credential document, else (installations from before credentials were
/// separated) the hash the account's last password event carried.</summary>
public sealed class PasswordCredentials(NpcEcrfSettings settings)
{
    public async Task<string?> HashOfAsync(Guid accountId, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = Query(connection, accountId);
        return await command.ExecuteScalarAsync(ct) as string;
    }

    private NpgsqlCommand Query(NpgsqlConnection connection, Guid accountId)
    {
        var s = settings.Schema;
        var command = new NpgsqlCommand($"""
            select coalesce(
                (select data->>'hash' from "{s}".mt_doc_passwordcredential where id = @id),
                (select data->>'passwordHash' from "{s}".mt_events where stream_id = @id and data ? 'passwordHash' order by version desc limit 1))
            """, connection);
        command.Parameters.AddWithValue("id", accountId);
        return command;
    }
}
