using System.Text.RegularExpressions;

namespace NpcEcrf.Api.Studies;

/// <summary>
/// What a study id is, the one rule (CreateStudy's validator; with a database per study, before an id names a database
/// or a tenant): 1 to 40 ASCII letters, digits, '_' or '-'. So no id can be the global tenant ("*global*").
/// </summary>
public static partial class StudyIds
{
    public const int MaxLength = 40;

    /// <summary>\z, not $: $ also matches before a final newline, which would let "ABC\n" through.</summary>
    public const string Pattern = @"^[A-Za-z0-9_-]+\z";

    public static bool IsValid(string? id) => id is { Length: > 0 and <= MaxLength } && Valid().IsMatch(id);

    [GeneratedRegex(Pattern)]
    private static partial Regex Valid();
}
