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
    assert c.parse("export csv") == c.Export("csv")
    assert c.parse("export MD") == c.Export("md")
    assert c.parse("templates") == c.Templates()
    assert c.parse("vote") == c.Vote(3)
    assert c.parse("vote --votes 5") == c.Vote(5)
    assert c.parse("map") == c.Map("png")
    assert c.parse("map svg") == c.Map("svg")
    assert c.parse("new Blue --type blueprint") == c.New("Blue", map_type="blueprint")
    assert c.parse("new Tomorrow --future-of #12") == c.New("Tomorrow", map_type="future", future_of=12)


def test_titles_keep_apostrophes_and_decoded_entities():
    assert c.parse("new Let's fix &lt;checkout&gt; &amp; billing") == c.New("Let's fix <checkout> & billing")


def test_bad_input_is_invalid_with_a_reason():
    assert "don't know `/journey frobnicate`" in c.parse("frobnicate now").message
    assert "no option `--colour`" in c.parse("new X --colour red").message
    assert "`--template` needs a value" in c.parse("new X --template").message
    assert "`json`, `csv`, `md`" in c.parse("export pdf").message
    assert "Map types are" in c.parse("new X --type dream").message
    assert "number of a current-state workshop" in c.parse("new X --future-of abc").message
    assert "leave out `--type`" in c.parse("new X --future-of 3 --type blueprint").message
    assert "from 1 to 20" in c.parse("vote --votes 0").message
    assert "from 1 to 20" in c.parse("vote --votes many").message
    assert "picture" in c.parse("map pdf").message
    assert "takes no arguments" in c.parse("next please").message
    assert "takes no arguments" in c.parse("close now").message


def test_unknown_subcommand_is_quoted_safely():
    msg = c.parse("<!channel>").message
    assert "<!" not in msg
    assert len(c.parse("x" * 500).message) < 200
