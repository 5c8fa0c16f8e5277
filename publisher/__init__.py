"""publisher: scheduled bilingual social-media publishing that puts Welsh first.

Built for Welsh public bodies bound by the Welsh Language Standards (58: Welsh
never treated less favourably than English on social media; 59: a Welsh
message gets a Welsh reply).
"""

__version__ = "0.1.0"
