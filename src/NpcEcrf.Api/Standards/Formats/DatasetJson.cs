using System.Text.Json;

namespace NpcEcrf.Api.Standards.Formats;

/// <summary>
/// CDISC Dataset-JSON 1.1. The lock is carried by fileOID (study, standard, lock name, cut-off and SHA-256 hash,
/// separated by '/'), by originator (the same in words), and by dbLastModifiedDateTime (the lock time: nothing after
/// it is in the data). The file is a function of the lock alone, so datasetJSONCreationDateTime is the lock time too:
/// exporting the same lock twice gives byte-identical files.
/// </summary>
public static class DatasetJson
{
    public static string FileName(Dataset dataset) => DatasetFiles.FileName(dataset, "json");

    public static void Write(Dataset dataset, DatasetSource source, Stream output)
    {
        DatasetFiles.Check(dataset);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        var lockedAt = source.LockedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        w.WriteStartObject();
        w.WriteString("datasetJSONCreationDateTime", lockedAt);
        w.WriteString("datasetJSONVersion", "1.1.0");
        w.WriteString("fileOID", DatasetFiles.FileOid(dataset, source));
        w.WriteString("dbLastModifiedDateTime", lockedAt);
        w.WriteString("originator", DatasetFiles.LockStatement(source));
        w.WriteStartObject("sourceSystem");
        w.WriteString("name", source.SourceSystem);
        w.WriteString("version", source.SourceSystemVersion);
        w.WriteEndObject();
        w.WriteString("studyOID", source.StudyId);
        w.WriteString("metaDataVersionOID", DatasetFiles.MetaDataVersionOid(source));
        w.WriteString("metaDataRef", "define.xml");
        w.WriteString("itemGroupOID", DatasetFiles.ItemGroupOid(dataset));
        w.WriteNumber("records", dataset.Rows.Count);
        w.WriteString("name", dataset.Name);
        w.WriteString("label", dataset.Label);
        w.WriteStartArray("columns");
        foreach (var v in dataset.Variables) Column(w, dataset, v);
        w.WriteEndArray();
        w.WriteStartArray("rows");
        for (var r = 0; r < dataset.Rows.Count; r++)
        {
            w.WriteStartArray();
            for (var c = 0; c < dataset.Variables.Count; c++) Value(w, dataset, r, c);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Column(Utf8JsonWriter w, Dataset dataset, Variable v)
    {
        w.WriteStartObject();
        w.WriteString("itemOID", DatasetFiles.ItemOid(dataset, v));
        w.WriteString("name", v.Name);
        w.WriteString("label", v.Label);
        switch (v.Type)
        {
            case VariableType.Text:
                w.WriteString("dataType", "string");
                w.WriteNumber("length", DatasetFiles.TextLength(dataset, v));
                break;
            case VariableType.Integer:
                w.WriteString("dataType", "integer");
                break;
            case VariableType.Float:
                w.WriteString("dataType", "double");
                break;
            case VariableType.Date:
                // A numeric SAS date (ADaM *DT): ISO 8601 text in JSON, an integer (days since 1960) once loaded into SAS.
                w.WriteString("dataType", "date");
                w.WriteString("targetDataType", "integer");
                w.WriteString("displayFormat", "DATE9.");
                break;
        }
        if (DatasetFiles.KeySequence(dataset, v) is { } key) w.WriteNumber("keySequence", key);
        w.WriteEndObject();
    }

    private static void Value(Utf8JsonWriter w, Dataset d, int r, int c)
    {
        var row = d.Rows[r];
        switch (d.Variables[c].Type)
        {
            case VariableType.Text:
                if (DatasetFiles.Text(d, row, r, c) is { } s) w.WriteStringValue(s); else w.WriteNullValue();
                break;
            case VariableType.Integer:
                if (DatasetFiles.Integer(d, row, r, c) is { } i) w.WriteNumberValue(i); else w.WriteNullValue();
                break;
            case VariableType.Float:
                switch (DatasetFiles.Number(d, row, r, c))
                {
                    case decimal m: w.WriteNumberValue(m); break;
                    case double x: w.WriteNumberValue(x); break;
                    case int n: w.WriteNumberValue(n); break;
                    case long l: w.WriteNumberValue(l); break;
                    default: w.WriteNullValue(); break;
                }
                break;
            case VariableType.Date:
                if (DatasetFiles.Date(d, row, r, c) is { } date) w.WriteStringValue(date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                else w.WriteNullValue();
                break;
        }
    }
}
