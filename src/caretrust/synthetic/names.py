"""Names for synthetic people: common English given names and surnames, and nicknames.

ASSUMPTION: lists drawn from the commonest names in England and Wales (ONS baby names and
surname frequency tables across the twentieth century), weights are rough. Nobody here is real.
"""

from __future__ import annotations

FEMALE_GIVEN = (
    "Margaret", "Patricia", "Susan", "Elizabeth", "Mary", "Jean", "Christine", "Janet", "Barbara",
    "Sandra", "Linda", "Carol", "Anne", "Pauline", "Jacqueline", "Deborah", "Julie", "Karen",
    "Sarah", "Emma", "Rebecca", "Victoria", "Katherine", "Jennifer", "Helen", "Joan", "Dorothy",
    "Sheila", "Valerie", "Brenda", "Olivia", "Amelia", "Isla", "Sophie", "Jessica", "Lucy",
    "Charlotte", "Hannah", "Abigail", "Eleanor",
)  # fmt: skip
MALE_GIVEN = (
    "John", "David", "Michael", "Peter", "Robert", "William", "James", "Anthony", "Richard",
    "Christopher", "Stephen", "Paul", "Andrew", "Mark", "Kenneth", "Brian", "Thomas", "Alan",
    "Raymond", "Ronald", "Daniel", "Matthew", "Jonathan", "Nicholas", "Samuel", "Benjamin",
    "Joseph", "Edward", "Frederick", "Albert", "Oliver", "George", "Harry", "Jack", "Charlie",
    "Alexander", "Leo", "Henry", "Timothy", "Philip",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas",
    "Johnson", "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards",
    "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner",
    "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker",
    "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker",
    "Price", "Bennett", "Young", "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson",
    "Bailey", "Collins", "Bell", "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan",
    "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson", "Foster",
    "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell",
    "Matthews", "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler",
    "Russell", "Barker", "Fisher", "Stevens", "Jenkins", "Murray", "Dixon", "Harvey", "O'Brien",
    "Trelawny", "Pascoe", "Penrose", "Couch",
)  # fmt: skip

#: Nicknames a council worker might have typed instead of the registered given name.
NICKNAMES = {
    "Margaret": "Maggie", "Patricia": "Pat", "Susan": "Sue", "Elizabeth": "Liz", "Jean": "Jeannie",
    "Christine": "Chris", "Barbara": "Babs", "Sandra": "Sandy", "Jacqueline": "Jackie",
    "Deborah": "Debbie", "Rebecca": "Becky", "Victoria": "Vicky", "Katherine": "Kate",
    "Jennifer": "Jenny", "Dorothy": "Dot", "Valerie": "Val", "Abigail": "Abi", "Eleanor": "Ellie",
    "Charlotte": "Lottie", "Jessica": "Jess", "John": "Jack", "David": "Dave", "Michael": "Mike",
    "Peter": "Pete", "Robert": "Bob", "William": "Bill", "James": "Jim", "Anthony": "Tony",
    "Richard": "Dick", "Christopher": "Chris", "Stephen": "Steve", "Andrew": "Andy",
    "Kenneth": "Ken", "Thomas": "Tom", "Raymond": "Ray", "Ronald": "Ron", "Daniel": "Dan",
    "Matthew": "Matt", "Jonathan": "Jon", "Nicholas": "Nick", "Samuel": "Sam",
    "Benjamin": "Ben", "Joseph": "Joe", "Edward": "Ted", "Frederick": "Fred", "Albert": "Bert",
    "Alexander": "Alex", "Henry": "Harry", "Timothy": "Tim", "Philip": "Phil",
}  # fmt: skip
