"""Flask extensions, created unbound here and bound to the app in create_app."""

from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sock import Sock
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.lanes import LaneSession
from portal.models.base import Base

db = SQLAlchemy(model_class=Base, session_options={"class_": LaneSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
sock = Sock()
bootstrap = Bootstrap5()
# Nothing is limited by default. Its storage (Redis with REDIS_URL, else memory) also holds
# the counters of failed password checks (portal/auth/throttle.py).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
