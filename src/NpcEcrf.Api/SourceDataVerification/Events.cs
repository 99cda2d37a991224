namespace NpcEcrf.Api.SourceDataVerification;

/// <summary>A monitor checked a data point (Field set) or a whole form (Field null) against source documents.</summary>
public sealed record SourceDataVerified(string Form, string? Field);

/// <summary>A verified value changed after verification, so the verification no longer stands.</summary>
public sealed record SourceDataVerificationRevoked(string Form, string? Field, long ChangedAtVersion);
