namespace NpcEcrf.Api.Standards;

/// <summary>How a variable is stored: SAS knows only text and numbers; a date is a number with a date format (ADaM) or ISO 8601 text (SDTM --DTC).</summary>
public enum VariableType { Text, Integer, Float, Date }

/// <summary>
/// One variable of a CDISC dataset, with what Define-XML says about it: its origin (Collected, Derived, Assigned,
/// Predecessor), the code list it takes values from, and how a derived value is computed.
/// </summary>
public sealed record Variable(string Name, string Label, VariableType Type, int? Length = null, string? Origin = null, string? CodeList = null,
    string? Derivation = null, bool Key = false);

/// <summary>A CDISC dataset (SDTM domain or ADaM dataset): its variables in order and its rows, one value per variable (null = missing).</summary>
public sealed record Dataset(string Name, string Label, string Class, IReadOnlyList<Variable> Variables, IReadOnlyList<IReadOnlyList<object?>> Rows)
{
    public int IndexOf(string variable) => Variables.ToList().FindIndex(v => v.Name == variable);
}

/// <summary>Where a set of datasets came from: every file names the lock, its hash and the cut-off.</summary>
/// <param name="Standard">"SDTMIG 3.4" or "ADaMIG 1.3".</param>
public sealed record DatasetSource(string StudyId, string StudyTitle, string LockName, string LockHash, DateOnly Cutoff, DateTimeOffset LockedAt,
    long HighWaterMark, int? DefinitionVersion, string Standard, string SourceSystem, string SourceSystemVersion);
