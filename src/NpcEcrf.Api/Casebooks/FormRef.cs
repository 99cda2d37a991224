namespace NpcEcrf.Api.Casebooks;

/// <summary>
/// One form instance of a casebook: the form's name and, for repeating forms, its key ("cycle/2",
/// "adverse-event/AE1", "demographics"). The only place form references are built or parsed.
/// </summary>
public readonly record struct FormRef(string Name, string? Key = null)
{
    public static FormRef Parse(string text)
    {
        var slash = text.IndexOf('/');
        return slash > 0 ? new FormRef(text[..slash], text[(slash + 1)..]) : new FormRef(text);
    }

    public override string ToString() => Key is null ? Name : $"{Name}/{Key}";
}
