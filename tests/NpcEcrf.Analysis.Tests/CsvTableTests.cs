using System.Text;
using NpcEcrf.Analysis.Cli;

namespace NpcEcrf.Analysis.Tests;

/// <summary>The stats verb's CSV reader: what it accepts, and the one-line error for what it does not.</summary>
public class CsvTableTests
{
    private static string Csv(string content, bool bom = false)
    {
        var path = Path.Combine(Path.GetTempPath(), $"csvtable-{Guid.NewGuid():N}.csv");
        File.WriteAllText(path, content, new UTF8Encoding(bom));
        return path;
    }

    private static CsvTable Read(string content, params CsvColumn[] columns) => CsvTable.Read(Csv(content), columns);

    private static string Error(string content, params CsvColumn[] columns) =>
        Assert.Throws<StatsInputException>(() => Read(content, columns)).Message;

    [Fact]
    public void reads_only_the_requested_columns_as_arrays()
    {
        var table = Read("id,t,note,g\n1,2.5,\"free, text\",a\n2,1e1,,b\n3,-0.5,x,a\n", CsvColumn.Number("t"), CsvColumn.Text("g"));
        Assert.Equal([2.5, 10, -0.5], table.Numbers("t"));
        Assert.Equal(["a", "b", "a"], table.Texts("g"));
        // A label seen before is the same string: no string per field.
        Assert.Same(table.Texts("g")[0], table.Texts("g")[2]);
        Assert.Equal((3, 0), (table.RowCount, table.Dropped));
        Assert.Throws<ArgumentException>(() => table.Numbers("id"));
    }

    [Fact]
    public void quoted_fields_hold_commas_quotes_and_line_breaks()
    {
        var table = Read("t,g\n\"1\",\"a, \"\"b\"\"\"\n2,\"two\nlines\"\n", CsvColumn.Number("t"), CsvColumn.Text("g"));
        Assert.Equal([1.0, 2.0], table.Numbers("t"));
        Assert.Equal(["a, \"b\"", "two\nlines"], table.Texts("g"));
    }

    [Fact]
    public void a_bad_value_after_a_quoted_line_break_is_reported_on_its_physical_line()
    {
        var message = Error("t,g\n1,\"two\nlines\"\n\"x1\",b\n", CsvColumn.Number("t"), CsvColumn.Text("g"));
        Assert.Equal("non-numeric value 'x1' in column t, line 4", message);
    }

    [Fact]
    public void crlf_line_ends_are_read()
    {
        var table = Read("t,e\r\n1,1\r\n2,0\r\n", CsvColumn.Number("t"), CsvColumn.Number("e"));
        Assert.Equal([1.0, 2.0], table.Numbers("t"));
        Assert.Equal([1.0, 0.0], table.Numbers("e"));
    }

    [Fact]
    public void crlf_line_ends_count_as_one_line_each_in_errors()
    {
        Assert.Equal("non-numeric value 'abc' in column e, line 3", Error("t,e\r\n1,1\r\n2,abc\r\n", CsvColumn.Number("t"), CsvColumn.Number("e")));
    }

    [Fact]
    public void a_byte_order_mark_is_not_part_of_the_first_column_name()
    {
        var table = CsvTable.Read(Csv("t,e\n1,1\n", bom: true), [CsvColumn.Number("t")]);
        Assert.Equal([1.0], table.Numbers("t"));
    }

    [Fact]
    public void a_missing_column_is_named_with_the_columns_there_are_even_after_a_byte_order_mark()
    {
        var message = Assert.Throws<StatsInputException>(() => CsvTable.Read(Csv("t,e\n1,1\n", bom: true), [CsvColumn.Number("time")])).Message;
        Assert.Equal("column not found: time (columns: t, e)", message);
    }

    [Fact]
    public void a_header_only_file_has_no_rows()
    {
        var table = Read("t,e\n", CsvColumn.Number("t"), CsvColumn.Number("e"));
        Assert.Equal((0, 0), (table.RowCount, table.Dropped));
        Assert.Empty(table.Numbers("t"));
        Assert.Equal((0, 0), (Read("t,e", CsvColumn.Number("t")).RowCount, 0));
    }

    [Fact]
    public void an_empty_file_has_no_header_and_says_so()
    {
        Assert.Contains("is empty (a header row is required)", Error("", CsvColumn.Number("t")));
    }

    [Fact]
    public void empty_and_na_cells_drop_the_row_only_when_the_column_is_used()
    {
        var table = Read("t,e,x\n1,1,NA\n2,,5\n NA ,1,5\n4,0, \n5,1,\n\n6,0,7\n", CsvColumn.Number("t"), CsvColumn.Number("e"));
        Assert.Equal([1.0, 4, 5, 6], table.Numbers("t"));
        Assert.Equal((4, 2), (table.RowCount, table.Dropped));
        // A dropped row is not parsed, so a bad value beside a missing one is no error (R's complete cases).
        Assert.Equal(1, Read("t,e\nabc,\n1,1\n", CsvColumn.Number("t"), CsvColumn.Number("e")).Dropped);
    }

    [Fact]
    public void a_short_row_is_missing_its_last_cells()
    {
        var table = Read("t,e,g\n1,1\n2,0,a\n", CsvColumn.Number("t"), CsvColumn.Text("g"));
        Assert.Equal([2.0], table.Numbers("t"));
        Assert.Equal(1, table.Dropped);
    }

    [Theory]
    [InlineData("t\n1\n2 weeks\n", "non-numeric value '2 weeks' in column t, line 3")]
    [InlineData("t\n1\nInfinity\n", "non-numeric value 'Infinity' in column t, line 3")]
    [InlineData("t\n1\nNaN\n", "non-numeric value 'NaN' in column t, line 3")]
    [InlineData("t\n1,5\n\"1,5\"\n", "non-numeric value '1,5' in column t, line 3")]
    [InlineData("t\n\n#1\n", "non-numeric value '#1' in column t, line 3")]
    public void a_value_that_is_not_a_finite_number_names_the_column_and_the_line(string content, string message)
    {
        Assert.Equal(message, Error(content, CsvColumn.Number("t")));
    }

    [Fact]
    public void numbers_are_read_in_the_invariant_culture_with_spaces_trimmed()
    {
        Assert.Equal([1.5, -2, 3000, 0.001], Read("t\n1.5\n -2 \n3e3\n\"1E-3\"\n", CsvColumn.Number("t")).Numbers("t"));
    }

    [Fact]
    public void a_check_names_the_column_and_the_line()
    {
        var positive = CsvColumn.Number("t", t => t < 0 ? "negative time" : null);
        Assert.Equal([0.0, 3], Read("t\n0\n3\n", positive).Numbers("t"));
        Assert.Equal("negative time in column t, line 3", Error("t\n0\n-3\n", positive));
    }

    [Fact]
    public void a_long_quoted_field_is_read()
    {
        var note = new string('x', 200_000);
        Assert.Equal([1.0, 2.0], Read($"t,note\n1,\"{note}\"\n2,b\n", CsvColumn.Number("t")).Numbers("t"));
    }

    [Theory]
    [InlineData("t,g\n1,a\n2,\"b\n3,c\n", "malformed CSV from line 3: ")]
    [InlineData("t,g\n1,\"a\"b\n2,c\n", "malformed CSV from line 2: ")]
    public void a_broken_quote_is_one_error_naming_the_line(string content, string start)
    {
        Assert.StartsWith(start, Error(content, CsvColumn.Number("t")));
    }

    [Fact]
    public void a_missing_file_is_named()
    {
        var path = Path.Combine(Path.GetTempPath(), $"absent-{Guid.NewGuid():N}.csv");
        Assert.Equal($"file not found: {path}", Assert.Throws<StatsInputException>(() => CsvTable.Read(path, [CsvColumn.Number("t")])).Message);
    }

    [Fact]
    public void the_stats_verb_says_a_bad_value_in_one_line_with_exit_code_1()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var good = Csv("t,e,x\n1,1,2\n2,0,3\n3,1,1\n4,0,5\n");
        Assert.Equal(0, StatsCommandLine.Run(["cox", "--csv", good, "--time", "t", "--event", "e", "--covariates", "x"], stdout, stderr));
        var bad = Csv("t,e,x\n1,1,2\n2,0,3\n3,1,?\n");
        Assert.Equal(CommandLineRunner.Failed, StatsCommandLine.Run(["cox", "--csv", bad, "--time", "t", "--event", "e", "--covariates", "x"], stdout, stderr));
        Assert.Equal("stats: non-numeric value '?' in column x, line 4", stderr.ToString().TrimEnd());
    }

    [Fact]
    public void the_stats_verb_on_a_header_only_file_says_there_is_nothing_to_estimate()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        Assert.Equal(CommandLineRunner.Failed, StatsCommandLine.Run(["km", "--csv", Csv("t,e\r\n"), "--time", "t", "--event", "e"], stdout, stderr));
        Assert.Equal("stats: no complete rows in the data: nothing to estimate", stderr.ToString().TrimEnd());
        Assert.Equal(0, StatsCommandLine.Run(["km", "--csv", Csv("\uFEFFt,e\r\n\"1\",1\r\n"), "--time", "t", "--event", "e"], stdout, stderr));
    }
}
