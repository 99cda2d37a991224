using NpcEcrf.Api.Identity;

namespace NpcEcrf.Api.Tests.Trust;

public class PasswordPolicyTests
{
    [Theory]
    [InlineData("correct-horse-battery")]
    [InlineData("demo-password-1")]
    [InlineData("twelve-chars")]
    [InlineData("Ünïcödé pass phrase")]
    public void an_ordinary_passphrase_is_accepted(string password) =>
        Assert.Empty(PasswordPolicy.Check(password, "someone", currentHash: null));

    [Fact]
    public void one_hundred_and_twenty_eight_characters_are_accepted() =>
        Assert.Empty(PasswordPolicy.Check(string.Concat(Enumerable.Repeat("abcdefgh", 16)), "someone", null));

    [Theory]
    [InlineData("eleven-char", "at least 12")]
    [InlineData("with\0nul-inside", "control")]
    [InlineData("tab\tinside-it", "control")]
    [InlineData("aaaaaaaaaaaaaa", "one character repeated")]
    [InlineData("password1234", "too common")]
    [InlineData("123456789012", "too common")]
    [InlineData("QWERTYUIOP12", "too common")]
    [InlineData("I-am-someone-really", "username")]
    public void a_weak_password_is_refused_saying_why(string password, string reason) =>
        Assert.Contains(PasswordPolicy.Check(password, "Someone", null), p => p.Contains(reason, StringComparison.OrdinalIgnoreCase));

    [Fact]
    public void more_than_128_characters_are_refused() =>
        Assert.Contains(PasswordPolicy.Check(new string('x', 64) + new string('y', 65), "someone", null), p => p.Contains("at most 128"));

    [Fact]
    public void the_current_password_is_refused_as_the_new_one() =>
        Assert.Contains(PasswordPolicy.Check("the-same-old-one", "someone", Passwords.Hash("the-same-old-one")), p => p.Contains("differ"));

    [Fact]
    public void a_password_other_than_the_current_one_is_accepted() =>
        Assert.Empty(PasswordPolicy.Check("a-different-one", "someone", Passwords.Hash("the-same-old-one")));
}
