namespace NpcEcrf.Api.Signatures;

/// <summary>An investigator's signature (21 CFR 11.50): printed name, UTC time, meaning, and the exact version signed.</summary>
public sealed record CasebookSigned(string Username, string PrintedName, string Meaning, long SignedVersion, DateTimeOffset SignedAtUtc);
