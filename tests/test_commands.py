from bot import commands as c


def test_subcommands():
    assert c.parse("") == c.Help()
    assert c.parse("help") == c.Help()
    assert c.parse("new Checkout redesign") == c.New("Checkout redesign")
    assert c.parse("new Checkout redesign --template buyer") == c.New("Checkout redesign", "buyer")
    assert c.parse("new --template buyer Onboarding") == c.New("Onboarding", "buyer")
    assert c.parse("new") == c.New("")
    assert c.parse("STATUS") == c.Status()
    assert c.parse("next") == c.Next()
    assert c.parse("dept Customer Support") == c.Dept("Customer Support")
    assert c.parse("dept") == c.Dept("")
    assert c.parse("stages Discover, Try, Buy") == c.Stages("Discover, Try, Buy")
    assert c.parse("export json") == c.Export("json")
    assert c.parse("export") == c.Export("json")
    assert c.parse("close") == c.Close()


def test_titles_keep_apostrophes_and_decoded_entities():
    assert c.parse("new Let's fix &lt;checkout&gt; &amp; billing") == c.New("Let's fix <checkout> & billing")


def test_bad_input_is_invalid_with_a_reason():
    assert "don't know `/journey frobnicate`" in c.parse("frobnicate now").message
    assert "no option `--colour`" in c.parse("new X --colour red").message
    assert "needs a name" in c.parse("new X --template").message
    assert "`json`" in c.parse("export pdf").message
    assert "takes no arguments" in c.parse("next please").message
    assert "takes no arguments" in c.parse("close now").message


def test_unknown_subcommand_is_quoted_safely():
    msg = c.parse("<!channel>").message
    assert "<!" not in msg
    assert len(c.parse("x" * 500).message) < 200
