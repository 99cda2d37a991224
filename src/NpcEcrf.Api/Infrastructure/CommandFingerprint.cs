using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace NpcEcrf.Api.Infrastructure;

/// <summary>A command a client may retry: the id it chose names the command, and a retry must carry the same command.</summary>
public interface IRetryableCommand
{
    /// <summary>Client-chosen id: retrying the same command writes nothing twice and answers the same; another command under it is refused.</summary>
    Guid? CommandId { get; }
}

/// <summary>A property left out of a command's fingerprint: a secret (a signing password) is checked before the pipeline and never stored, not even hashed.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotFingerprintedAttribute : Attribute;

/// <summary>
/// A command's id with the fingerprint of what it carried, the only way to give the pipeline a command id: an id without
/// a fingerprint would answer a changed command with the first one's answer and never save the change.
/// </summary>
public sealed record CommandKey(Guid Id, string Fingerprint)
{
    /// <summary>Whether a stored result without a fingerprint answers this command (see <see cref="CommandPipeline"/>).</summary>
    internal bool AnsweredByUnfingerprinted { get; private init; } = true;

    /// <summary>The key of <paramref name="command"/> (null without a command id).</summary>
    /// <param name="outside">What the client sent beside the body that the outcome depends on (a route's form name, an If-Match version); not the stream, which is compared on its own.</param>
    public static CommandKey? Of(IRetryableCommand command, object? outside = null) =>
        command.CommandId is { } id ? new(id, CommandFingerprint.Of(command, outside)) : null;

    /// <summary>An imported file's key: its SHA-256 is what a retry must repeat (the fingerprint such imports always stored).</summary>
    public static CommandKey? OfFile(Guid? commandId, string fileSha256) =>
        commandId is { } id ? new(id, fileSha256) { AnsweredByUnfingerprinted = false } : null;
}

/// <summary>
/// The SHA-256 (hex) of what a command carried: its type, its body in the one JSON shape (<see cref="Casebooks.CasebookJson"/>)
/// without its command id or secrets, and what came beside it, in canonical JSON (<see cref="TamperEvidence.EventSeal.Canonical"/>)
/// so that property order and spacing, in the body or in free JSON within it (a form's data), do not matter. Numbers keep
/// their text: 4.10 and 4.1 are different commands (a 409, never a lost value).
/// </summary>
public static class CommandFingerprint
{
    private static readonly JsonSerializerOptions Options = new(Casebooks.CasebookJson.Options)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { LeaveOut } },
        // A property left null is one not sent: a release that adds an optional property keeps a retry across it the same command.
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Of(IRetryableCommand command, object? outside = null)
    {
        var body = JsonSerializer.SerializeToNode(command, command.GetType(), Options);
        var carried = new JsonObject
        {
            ["command"] = command.GetType().Name,
            ["body"] = body,
            ["outside"] = outside is null ? null : JsonSerializer.SerializeToNode(outside, outside.GetType(), Options),
        };
        var canonical = TamperEvidence.EventSeal.Canonical(carried.ToJsonString(Options));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    // The command id is the key, not part of what it names; secrets are never fingerprinted.
    private static void LeaveOut(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object || !typeof(IRetryableCommand).IsAssignableFrom(type.Type)) return;
        for (var i = type.Properties.Count - 1; i >= 0; i--)
        {
            var property = type.Properties[i];
            if (property.AttributeProvider is System.Reflection.MemberInfo { Name: nameof(IRetryableCommand.CommandId) }
                || property.AttributeProvider?.IsDefined(typeof(NotFingerprintedAttribute), inherit: true) == true)
                type.Properties.RemoveAt(i);
        }
    }
}
