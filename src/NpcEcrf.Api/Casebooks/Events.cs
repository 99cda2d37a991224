namespace NpcEcrf.Api.Casebooks;

/// <summary>A soft edit check: the data was accepted but needs a data query (the DataQueries feature raises it).</summary>
public sealed record EditCheckFlagged(string CheckId, string Form, string Field, string Message);

/// <summary>A flagged finding no longer holds (typically after a correction); its data query can close.</summary>
public sealed record EditCheckCleared(string CheckId, string Form, string Field);
